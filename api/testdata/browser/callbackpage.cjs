// Opens a case callback's page (/r/{token}) in Debian's chromium at a phone's viewport, with
// JavaScript off, answers 不满意 with notes carrying markup, and keeps a screenshot of the form
// and of the confirmation.
// Usage: node callbackpage.cjs <page url> <screenshot dir>
// Prints JSON: the headings seen and the requests to other hosts.
const { chromium } = require('playwright-core');
const path = require('path');

(async () => {
  const [url, dir] = process.argv.slice(2);
  const origin = new URL(url).origin;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', javaScriptEnabled: false,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
  });
  const page = await context.newPage();
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) external.push(r.url()); });
  await page.goto(url);
  const heading = await page.textContent('h1');
  const who = await page.textContent('.who');
  await page.check('input[name=satisfied][value="false"]');
  await page.fill('#notes', '<i>处罚过重</i>，希望复核');
  await page.screenshot({ path: path.join(dir, 'callback-form.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForSelector('text=感谢您的回访意见');
  const thanks = await page.textContent('h1');
  await page.screenshot({ path: path.join(dir, 'callback-thanks.png'), fullPage: true });
  console.log(JSON.stringify({ heading, who, thanks, external }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
