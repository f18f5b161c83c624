import type { Language } from './model.ts';

/**
 * The renderers' own words (page footers, column heads, the poster's instructions), in each meeting
 * language. Everything else on a page comes from the document, already in the meeting's language.
 */
export interface Words {
  /** Between a label and its value: `日期：…`, `Date: …`. */
  colon: string;
  /** The page footer, with `{n}` and `{of}` where the page number and the page count go. */
  page: string;
  role: string;
  name: string;
  signature: string;
  entry: string;
  hash: string;
  address: string;
  /** The title of a zoning sketch's legend. */
  legend: string;
  /** What stands for a character no embedded font can draw (emoji outside Noto Emoji, private-use characters). */
  missingGlyph(codePoint: number): string;
  poster: {
    scan: string;
    code: string;
    orOpen(origin: string): string;
    steps: string[];
  };
  signIn: {
    heading: string;
    group: string;
    date: string;
    columns: [string, string, string, string];
  };
}

const hex = (cp: number) => cp.toString(16).toUpperCase().padStart(4, '0');

const zh: Words = {
  colon: '：',
  page: '第 {n} 页 / 共 {of} 页',
  role: '职责',
  name: '姓名',
  signature: '签名',
  entry: '条目编号',
  hash: '哈希值',
  address: '核验地址',
  legend: '图例',
  missingGlyph: (cp) => `[U+${hex(cp)}]`,
  poster: {
    scan: '用手机扫码加入会议',
    code: '会议码',
    orOpen: (origin) => `或在手机浏览器打开 ${origin}，输入会议码`,
    steps: ['扫描二维码，或打开网址输入会议码', '填写您的称呼，选择您的身份', '在手机上提出议题、查看议程'],
  },
  signIn: {
    heading: '签到表',
    group: '参与方',
    date: '日期',
    columns: ['序号', '姓名', '联系方式（选填）', '签名'],
  },
};

const en: Words = {
  colon: ': ',
  page: 'Page {n} of {of}',
  role: 'Role',
  name: 'Name',
  signature: 'Signature',
  entry: 'Entry no.',
  hash: 'Hash',
  address: 'Verify at',
  legend: 'Legend',
  missingGlyph: (cp) => `[U+${hex(cp)}]`,
  poster: {
    scan: 'Scan with your phone to join',
    code: 'Meeting code',
    orOpen: (origin) => `or open ${origin} on your phone and type the code`,
    steps: ['Scan the QR code, or open the address and type the code', 'Enter your name and choose your group', 'Post topics and follow the agenda on your phone'],
  },
  signIn: {
    heading: 'Sign-in sheet',
    group: 'Group',
    date: 'Date',
    columns: ['No.', 'Name', 'Contact (optional)', 'Signature'],
  },
};

export const words = (language: Language): Words => (language === 'en' ? en : zh);

export const pageOf = (w: Words, n: number, of: number): string => w.page.replace('{n}', String(n)).replace('{of}', String(of));
