// Opens each page in Debian's chromium on a narrow phone (360 px wide, Chinese locale,
// JavaScript off) and measures whether it fits without sideways scrolling; keeps a full-page
// screenshot of each as <name>-360.png.
// Usage: node fits.cjs '<JSON [{"name":…,"url":…}]>' <screenshot dir>
// Prints JSON: per page, its HTTP status, the document's scrollWidth and the h1.
const path = require('path');
const { launch } = require('./phone.cjs');

(async () => {
  const [list, dir] = process.argv.slice(2);
  const browser = await launch();
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', javaScriptEnabled: false,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
  });
  const out = [];
  for (const { name, url } of JSON.parse(list)) {
    const page = await context.newPage();
    const resp = await page.goto(url);
    // Measured with scripts off in the page: evaluate runs in the driver's isolated world.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const h1 = (await page.locator('h1').first().textContent({ timeout: 2000 }).catch(() => '')) || '';
    await page.screenshot({ path: path.join(dir, name + '-360.png'), fullPage: true });
    out.push({ name, status: resp ? resp.status() : 0, width, h1: h1.trim() });
    await page.close();
  }
  console.log(JSON.stringify(out));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
