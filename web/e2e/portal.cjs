// The enterprise portal on a phone (390×844): the enterprise signs in with its credit code,
// opens its cases, finds its decided case and downloads the decision; nothing is wider than
// the screen. Usage: node portal.cjs BASE SHOTS USERNAME PASSWORD; prints the report.
const fs = require('fs');
const path = require('path');
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, username, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report, 'phone');
    await page.goto(base + '/console/login');
    await shot(page, dir, 'portal-login');
    await signIn(page, base, username, password);
    report.seen.homeWidth = String(await page.evaluate(() => document.documentElement.scrollWidth));
    await shot(page, dir, 'portal-workbench');
    // On a phone the menu folds behind 菜单 (six entries do not fit across 390 px).
    await page.getByRole('button', { name: '菜单' }).click();
    await page.getByRole('menuitem', { name: '本企业案件' }).click();
    await page.getByRole('heading', { name: '本企业案件' }).waitFor();
    await page.locator('.case').first().waitFor({ timeout: 15000 });
    report.seen.cases = String(await page.locator('.case').count());
    report.seen.width = String(await page.evaluate(() => document.documentElement.scrollWidth));
    await axe(page, 'portal-cases', report);
    await shot(page, dir, 'portal-cases');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载处罚决定书' }).first().click()]);
    const file = path.join(dir, 'downloaded-decision.html');
    await dl.saveAs(file);
    report.seen.decisionName = dl.suggestedFilename();
    const html = fs.readFileSync(file, 'utf8');
    report.seen.decision = html.includes('行政处罚决定书') ? 'yes' : 'no';
    // Another person's page, opened by its address, says so in words.
    await page.goto(base + '/console/system/health');
    await page.getByRole('heading', { name: '无权访问' }).waitFor({ timeout: 15000 });
    report.seen.foreign = 'refused';
    await shot(page, dir, 'portal-forbidden');
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
