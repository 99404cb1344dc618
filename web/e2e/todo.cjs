// A person signs in and reads the workbench's to-do list: each group's name and count, and the
// first item of each. Usage: node todo.cjs BASE SHOTS USERNAME PASSWORD SHOT; prints the report.
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, username, password, name] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, username, password);
    await page.locator('.summary').waitFor({ timeout: 15000 });
    report.seen.summary = (await page.locator('.summary').textContent()).trim();
    const groups = await page.locator('.group').all();
    for (const g of groups) {
      const label = (await g.locator('h2').textContent()).trim();
      const count = (await g.locator('.el-tag').textContent()).trim();
      const first = await g.locator('.items li a').first().textContent({ timeout: 500 }).catch(() => '');
      report.seen[label] = count + '|' + (first || '').trim();
    }
    await axe(page, name, report);
    await shot(page, dir, name);
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
