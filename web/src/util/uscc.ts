// The unified social credit code (统一社会信用代码, GB 32100-2015) checked as it is typed, as
// domain/uscc.go checks it on the server: 18 characters of the code's alphabet (no I, O, S, V,
// Z), characters 3–8 the division code (digits, a province-level prefix), and the check
// character computed from the first 17.
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const provinces = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);

// normaliseUSCC is the code as the server keeps it: trimmed, upper case.
export function normaliseUSCC(s: string): string {
  return s.trim().toUpperCase();
}

// checkCharacter is the 18th character the first 17 call for ('' when one is not allowed).
export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = alphabet.indexOf(first17[i] ?? '');
    if (v < 0) return '';
    sum += v * weights[i];
  }
  return alphabet[(31 - (sum % 31)) % 31];
}

// usccProblem answers what is wrong with the code in Chinese, '' when it is valid. partial: the
// person is still typing, so a short code is not yet wrong (only a bad character is).
export function usccProblem(s: string, partial = false): string {
  const code = normaliseUSCC(s);
  if (!code) return partial ? '' : '请输入统一社会信用代码';
  for (let i = 0; i < code.length; i++) {
    if (!alphabet.includes(code[i])) return `第 ${i + 1} 位“${code[i]}”不是统一社会信用代码允许的字符（不含 I、O、S、V、Z）`;
    if (i >= 2 && i < 8 && (code[i] < '0' || code[i] > '9')) return '第 3 至 8 位是登记管理机关行政区划码，须为数字';
  }
  if (code.length >= 4 && !provinces.has(code.slice(2, 4))) return `第 3、4 位“${code.slice(2, 4)}”不是省级行政区划代码`;
  if (code.length > 18) return `统一社会信用代码为 18 位，已输入 ${code.length} 位`;
  if (code.length < 18) return partial ? '' : `统一社会信用代码为 18 位，已输入 ${code.length} 位`;
  const want = checkCharacter(code.slice(0, 17));
  if (code[17] !== want) return `校验码错误：第 18 位应为“${want}”，请核对营业执照`;
  return '';
}
