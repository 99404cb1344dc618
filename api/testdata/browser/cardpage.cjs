// Opens a supervision card's page in Debian's chromium at a phone's viewport, with JavaScript
// off (the page must work without it), rates one star with the integrity tag and a comment
// carrying markup, and keeps a screenshot of the form and of the confirmation.
// Usage: node cardpage.cjs <page url> <screenshot dir>
// Prints JSON: the headings seen, the requests to other hosts, the comment as shown.
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
  const officers = await page.textContent('.officers');
  await page.check('input[name=rating][value="1"]');
  await page.check('input[name=tags][value="廉洁"]');
  await page.fill('#comment', '<b>态度粗暴</b>，索要好处');
  await page.fill('#phone', '13912345678');
  await page.screenshot({ path: path.join(dir, 'card-form.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForSelector('text=感谢您的评价');
  const thanks = await page.textContent('h1');
  await page.screenshot({ path: path.join(dir, 'card-thanks.png'), fullPage: true });
  console.log(JSON.stringify({ heading, officers, thanks, external }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
