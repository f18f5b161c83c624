import type { Block, RecordContext } from './model.ts';
import { section } from './model.ts';
import { groupLabel, NONE, peopleCount } from './words.ts';
import { recordFields } from './record.ts';
import { draftBlocks } from '../documents/record.ts';
import { participantCountsByGroup } from '../meeting/participants.ts';
import { paperCountsByGroup } from '../meeting/paper.ts';

/*
 * The record module's own parts of the minutes: the head (date, time, place, who facilitated and who
 * kept the record, the stakeholder groups), the secretary's notes, and the signatures. All of it is in
 * the state, so the notes section keeps no accumulator.
 */

/** The minutes' head: label–value lines under the title. */
export function headerFields(ctx: RecordContext): Block {
  const { state, t } = ctx;
  const fields = recordFields(state);
  const end = state.endedAt === null ? t('进行中', 'in progress') : ctx.time(state.endedAt, ctx.time(state.endedAt, 'date') === ctx.time(state.createdAt, 'date') ? 'time' : 'datetime');
  const present = Object.values(participantCountsByGroup(state)).reduce((a, b) => a + b, 0);
  const paper = Object.values(paperCountsByGroup(state)).reduce((a, b) => a + b, 0);
  const attendance = paper === 0 ? peopleCount(ctx, present) : t(`${present + paper} 人（其中纸质登记 ${paper} 人）`, `${present + paper} (${paper} on paper)`);
  return {
    kind: 'fields',
    rows: [
      { label: t('日期', 'Date'), value: ctx.time(state.createdAt, 'date') },
      { label: t('时间', 'Time'), value: `${ctx.time(state.createdAt, 'time')} – ${end}` },
      { label: t('地点', 'Place'), value: fields.place || NONE },
      { label: t('主持人', 'Facilitator'), value: fields.facilitatorName || NONE },
      { label: t('记录员', 'Secretary'), value: fields.secretaryName || NONE },
      { label: t('利益相关方', 'Stakeholder groups'), value: state.groups.map((g) => groupLabel(ctx, g)).join(t('、', ', ')) },
      { label: t('出席', 'Present'), value: attendance }
    ]
  };
}

/** The signature lines: the facilitator and the secretary, with the names typed on the desk. */
export function signatures(ctx: RecordContext): Block {
  const { t } = ctx;
  const fields = recordFields(ctx.state);
  return {
    kind: 'signatures',
    rows: [
      { role: t('主持人', 'Facilitator'), name: fields.facilitatorName },
      { role: t('记录员', 'Secretary'), name: fields.secretaryName }
    ],
    dateLabel: t('日期', 'Date')
  };
}

/**
 * The secretary's notes: what was typed on the desk, a paragraph per line, then the co-edited minutes
 * drafts' text as the export read it [D27]; a note that there are none when both are empty.
 */
export const notesSection = section<null>({
  id: 'notes',
  init: () => null,
  step: () => undefined,
  blocks(_acc, ctx) {
    const { t } = ctx;
    const lines = recordFields(ctx.state)
      .notes.split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const blocks: Block[] = [{ kind: 'heading', level: 2, text: t('会议记录', 'Notes') }];
    const drafts = draftBlocks(ctx, lines.length > 0);
    if (lines.length === 0 && drafts.length === 0) blocks.push({ kind: 'note', text: t('记录员没有填写记录。', 'The secretary wrote no notes.') });
    for (const line of lines) blocks.push({ kind: 'paragraph', inlines: [line] });
    blocks.push(...drafts);
    return blocks;
  }
});
