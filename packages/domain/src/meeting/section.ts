import { section, type Block, type Inline } from '../record/model.ts';
import { groupLabel, NONE, peopleCount, timeOnDay } from '../record/words.ts';
import type { LogEntry } from '../registry.ts';
import type { PaperParticipant, Participant } from '../state.ts';

/*
 * The minutes' attendance, by stakeholder group: who joined on a phone (when, removed, renamed), the
 * paper participants the secretary declared, and the totals per group and overall. The state holds who
 * is here now; the log adds what a person was first called (a rename shows "new name (was old)").
 */

interface Acc {
  /** Per participant, the name they joined with. */
  joinedAs: Map<string, string>;
}

interface GroupRows {
  phones: Participant[];
  paper: PaperParticipant[];
}

export const attendanceSection = section<Acc>({
  id: 'attendance',
  init: () => ({ joinedAs: new Map() }),
  step(acc, entry: LogEntry) {
    if (entry.event.type === 'participant.joined') acc.joinedAs.set(entry.event.participantId, entry.event.name);
  },
  blocks(acc, ctx) {
    const { state, t } = ctx;
    const byGroup = new Map<string, GroupRows>(state.groups.map((group) => [group, { phones: [], paper: [] }]));
    for (const p of state.participants.values()) byGroup.get(p.group)?.phones.push(p);
    for (const p of state.paper.values()) byGroup.get(p.group)?.paper.push(p);

    const present = (rows: GroupRows) => rows.phones.filter((p) => !p.removed).length;
    const onPaper = (rows: GroupRows) => rows.paper.reduce((n, p) => n + p.count, 0);
    let phonesTotal = 0;
    let paperTotal = 0;
    const summary: Inline[][][] = [];
    for (const [group, rows] of byGroup) {
      const [phones, paper] = [present(rows), onPaper(rows)];
      phonesTotal += phones;
      paperTotal += paper;
      summary.push([[groupLabel(ctx, group)], [String(phones)], [String(paper)], [String(phones + paper)]]);
    }
    summary.push([[{ text: t('合计', 'Total'), bold: true }], [{ text: String(phonesTotal), bold: true }], [{ text: String(paperTotal), bold: true }], [{ text: String(phonesTotal + paperTotal), bold: true }]]);

    const blocks: Block[] = [
      { kind: 'heading', level: 2, text: t('出席情况', 'Attendance') },
      {
        kind: 'table',
        header: [t('利益相关方', 'Stakeholder group'), t('手机加入', 'Joined by phone'), t('纸质登记', 'On paper'), t('合计', 'Total')],
        rows: summary,
        widths: [3, 2, 2, 2]
      }
    ];
    if (phonesTotal + paperTotal === 0 && state.participants.size === 0) {
      blocks.push({ kind: 'note', text: t('没有人加入。', 'Nobody joined.') });
      return blocks;
    }
    for (const [group, rows] of byGroup) {
      if (rows.phones.length === 0 && rows.paper.length === 0) continue;
      const total = present(rows) + onPaper(rows);
      blocks.push({ kind: 'heading', level: 3, text: `${groupLabel(ctx, group)}（${peopleCount(ctx, total)}）` });
      const people: Inline[][][] = rows.phones
        .sort((a, b) => a.order - b.order)
        .map((p) => {
          const was = acc.joinedAs.get(p.id);
          const name = was !== undefined && was !== p.name ? t(`${p.name}（原名：${was}）`, `${p.name} (was ${was})`) : p.name;
          const remarks = [p.removed ? t('已移出', 'removed') : '', p.amendedAfterEnd ? t('会后补记', 'completed after the meeting') : ''].filter(Boolean);
          return [[p.removed ? { text: name, struck: true } : name], [timeOnDay(ctx, p.joinedAt)], [remarks.join(t('；', '; ')) || NONE]];
        });
      for (const p of rows.paper.sort((a, b) => a.order - b.order)) {
        const who = p.name ?? t(`未具名 ${p.count} 人`, `${p.count} unnamed`);
        const remarks = [t('纸质登记', 'paper'), p.amendedAfterEnd ? t('会后补记', 'completed after the meeting') : ''].filter(Boolean);
        people.push([[who], [timeOnDay(ctx, p.addedAt)], [{ text: remarks.join(t('；', '; ')), muted: true }]]);
      }
      people.push([
        [{ text: t('小计', 'Subtotal'), bold: true }],
        [{ text: t(`手机 ${present(rows)} 人，纸质 ${onPaper(rows)} 人`, `${present(rows)} by phone, ${onPaper(rows)} on paper`), bold: true }],
        [{ text: peopleCount(ctx, total), bold: true }]
      ]);
      blocks.push({ kind: 'table', header: [t('姓名', 'Name'), t('加入时间', 'Joined'), t('备注', 'Remarks')], rows: people, widths: [4, 2, 3] });
    }
    return blocks;
  }
});
