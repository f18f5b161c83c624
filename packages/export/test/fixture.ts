import type { RecordDocument } from '../src/model.ts';

/** A fixed minutes document, written by hand in the shape the domain's sections produce. */
export const minutes: RecordDocument = {
  kind: 'minutes',
  language: 'zh-CN',
  title: '滨河东里居民议事会 会议纪要',
  footer: '滨河东里居民议事会 · 核验：第 128 条 3f9a1c2e',
  blocks: [
    { kind: 'heading', level: 1, text: '滨河东里居民议事会 会议纪要' },
    {
      kind: 'fields',
      rows: [
        { label: '日期', value: '2026年12月1日 14:00–16:30' },
        { label: '地点', value: '滨河东里社区活动室（3号楼一层）' },
        { label: '主持人', value: '王秀兰' },
        { label: '记录员', value: '李建国' },
      ],
    },
    { kind: 'heading', level: 2, text: '出席情况' },
    { kind: 'paragraph', inlines: ['共 ', { text: '23', bold: true }, ' 人参会，其中纸面登记 3 人。'] },
    {
      kind: 'table',
      header: ['参与方', '人数', '参会者'],
      widths: [2, 1, 6],
      rows: [
        [['居民'], ['15'], ['张桂芳、刘明、陈晓燕（纸面）、赵德胜']],
        [['商户'], ['5'], ['孙丽（早点铺）、周强']],
        [['居委会'], ['3'], ['吴红梅、郑磊、冯静']],
      ],
    },
    { kind: 'heading', level: 2, text: '议程' },
    {
      kind: 'list',
      ordered: true,
      items: [['签到与开场 14:00–14:10'], ['提出议题 14:10–14:50'], ['分组讨论 14:50–16:00'], ['汇报与总结 16:00–16:30']],
    },
    { kind: 'heading', level: 2, text: '议题' },
    {
      kind: 'table',
      header: ['编号', '议题', '发起人', '参与方'],
      widths: [1, 6, 2, 2],
      rows: [
        [['1'], ['楼道堆物清理与消防通道'], ['张桂芳'], ['居民']],
        [['2'], ['早点铺油烟扰民', { text: '（并入第 5 号）', muted: true }], ['刘明'], ['居民']],
        [['3'], [{ text: '小区停车收费', struck: true }, { text: '（原题：停车难）', muted: true }], ['周强'], ['商户']],
        [['4'], ['垃圾分类督导员排班'], ['吴红梅'], ['居委会']],
        [['5'], ['餐饮油烟与营业时间'], ['孙丽'], ['商户']],
      ],
    },
    { kind: 'heading', level: 3, text: '合并与撤回' },
    {
      kind: 'list',
      ordered: false,
      items: [['第 2 号并入第 5 号'], [{ text: '第 6 号“广场舞音量”', bold: true }, ' 已由发起人撤回']],
    },
    { kind: 'note', text: '第 7 号议题已被主持人隐藏，此处仅记录其存在。' },
    { kind: 'heading', level: 2, text: '记录员备注' },
    { kind: 'paragraph', inlines: ['会议气氛热烈，居民对楼道堆物问题意见一致，约定下周六集中清理。\n商户代表同意调整油烟净化设备。'] },
    { kind: 'heading', level: 2, text: '签字' },
    {
      kind: 'signatures',
      dateLabel: '日期',
      rows: [
        { role: '主持人', name: '王秀兰' },
        { role: '记录员', name: '李建国' },
      ],
    },
    {
      kind: 'verify',
      label: '核验本纪要',
      seq: 128,
      hash: '3f9a1c2e7b4d5e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7',
      url: 'https://yishi.example.org/m/meet0001/verify',
      text: '本纪要生成于第 128 条记录。打开核验地址、输入条目编号和哈希值，即可确认打印件与会议记录一致。',
    },
  ],
};

const controls = '*粗体* _斜体_ [链接](http://x.test) # 标题 > 引用 | 竖线 `代码` <b>加粗</b> &amp; ~删除~ !图';
const longLine = 'x'.repeat(1000) + '长'.repeat(500) + 'https://example.org/' + 'a/'.repeat(240);

/** Everything a user could type to break a renderer. */
export const hostile: RecordDocument = {
  kind: 'minutes',
  language: 'zh-CN',
  title: '议'.repeat(120),
  footer: '页脚'.repeat(80),
  blocks: [
    { kind: 'heading', level: 1, text: '议'.repeat(120) },
    { kind: 'fields', rows: [{ label: '地点<script>', value: '<script>alert(1)</script>' }] },
    { kind: 'paragraph', inlines: [controls] },
    { kind: 'paragraph', inlines: ['- 列表\n1. 编号\n# 标题\n    缩进\n+ 加号\n=====\n---'] },
    { kind: 'paragraph', inlines: ['表情 😀👍🏽👨‍👩‍👧❤️🇨🇳 ok'] },
    { kind: 'paragraph', inlines: [longLine] },
    {
      kind: 'table',
      header: ['a|b', '<i>x</i>'],
      rows: [
        [['多行\n单元格 | 竖线'], ['<script>alert(2)</script>']],
        [[longLine], ['😀']],
      ],
    },
    { kind: 'list', ordered: false, items: [['**星号**'], ['\u0007控制字符\u0000']] },
    { kind: 'note', text: '> 引用 <img src=x onerror=alert(3)>' },
    { kind: 'signatures', dateLabel: '日期', rows: [{ role: '主持人*', name: '[王](x)' }] },
    { kind: 'verify', label: '核验', seq: 1, hash: 'ab'.repeat(32), url: 'https://example.org/verify?x=<y>', text: '说明' },
  ],
};
