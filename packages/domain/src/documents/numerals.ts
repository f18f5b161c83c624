const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const UNITS = ['', '十', '百', '千'];

/**
 * A positive integer below 10,000 in Chinese numerals as a charter numbers its articles: 1 → 一,
 * 10 → 十 (not 一十), 11 → 十一, 21 → 二十一, 105 → 一百零五, 110 → 一百一十. Anything else
 * (0, negatives, fractions, 10,000 and above) is written in Arabic digits.
 */
export function chineseNumeral(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 9999) return String(n);
  const digits = String(n).split('').map(Number);
  let out = '';
  let zero = false;
  digits.forEach((d, i) => {
    const unit = UNITS[digits.length - 1 - i]!;
    if (d === 0) {
      zero = out !== '';
      return;
    }
    if (zero) out += '零';
    zero = false;
    out += DIGITS[d]! + unit;
  });
  // 十, 十一 … 十九: the leading 一 is not said.
  return n >= 10 && n < 20 ? out.slice(1) : out;
}

/** An article's number as it is read: 第一条, 第十一条, 第一百零五条. */
export const articleLabel = (n: number): string => `第${chineseNumeral(n)}条`;

/** A chapter's number as it is read: 第一章. */
export const chapterLabel = (n: number): string => `第${chineseNumeral(n)}章`;

/** A section's number within its chapter: 第一节. */
export const sectionLabel = (n: number): string => `第${chineseNumeral(n)}节`;
