import { describe, expect, it } from 'vitest';
import { articleLabel, chineseNumeral } from '../src/documents/numerals.ts';

describe('Chinese numerals for article numbers', () => {
  it.each([
    [1, '一'],
    [2, '二'],
    [9, '九'],
    [10, '十'],
    [11, '十一'],
    [19, '十九'],
    [20, '二十'],
    [21, '二十一'],
    [99, '九十九'],
    [100, '一百'],
    [101, '一百零一'],
    [105, '一百零五'],
    [110, '一百一十'],
    [111, '一百一十一'],
    [1000, '一千'],
    [1001, '一千零一'],
    [1010, '一千零一十'],
    [1100, '一千一百'],
    [9999, '九千九百九十九']
  ])('%i → %s', (n, text) => {
    expect(chineseNumeral(n)).toBe(text);
  });

  it('falls back to Arabic digits outside 1–9999', () => {
    expect(chineseNumeral(0)).toBe('0');
    expect(chineseNumeral(-3)).toBe('-3');
    expect(chineseNumeral(1.5)).toBe('1.5');
    expect(chineseNumeral(10000)).toBe('10000');
  });

  it('labels articles 第…条', () => {
    expect(articleLabel(1)).toBe('第一条');
    expect(articleLabel(3)).toBe('第三条');
    expect(articleLabel(11)).toBe('第十一条');
    expect(articleLabel(20)).toBe('第二十条');
  });
});
