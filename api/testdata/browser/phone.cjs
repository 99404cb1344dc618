// Opens a page in Debian's chromium as a phone would: a 390×844 viewport, Chinese locale,
// JavaScript off (the citizen pages must work without it). Records every request that leaves
// the page's own origin.
const { chromium } = require('playwright-core');

// launch starts chromium, trying again when it dies while starting: on a loaded CI machine
// Debian's chromium now and then crashes (SIGSEGV) before its first page, which says nothing
// about the pages under test. A crash after the launch still fails the test.
async function launch() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-crash-reporter', '--disable-breakpad'],
      });
    } catch (err) {
      if (attempt >= 4) throw err;
      console.error(`chromium did not start (attempt ${attempt}): ${String(err.message).split('\n')[0]}`);
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

async function openPhone(url) {
  const origin = new URL(url).origin;
  const browser = await launch();
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

module.exports = { openPhone, launch };
