// Opens a page in Debian's chromium as a phone would: a 390×844 viewport, Chinese locale,
// JavaScript off (the citizen pages must work without it). Records every request that leaves
// the page's own origin.
const { chromium } = require('playwright-core');

async function openPhone(url) {
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
  return { browser, page, external };
}

module.exports = { openPhone };
