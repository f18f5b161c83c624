import { personOf } from '../meeting/participants.ts';
import { section, type Block, type Inline, type RecordContext } from '../record/model.ts';
import { groupLabel, NONE, timeOnDay } from '../record/words.ts';
import type { LogEntry } from '../registry.ts';
import type { Topic } from '../state.ts';

/*
 * The minutes' topics: every topic in posting order with its convener, the convener's group and when it
 * was posted; hidden and withdrawn topics marked for the record (never left out); what a title was
 * before an edit; which topics were merged into which (undone merges noted); topics added after the end
 * marked. The state holds the topics, their flags and every merge; the log adds the earlier titles,
 * whether a topic was ever hidden, and whether it was posted (not only corrected) after the end.
 */

interface Acc {
  ended: boolean;
  /** Per topic whose title changed, its earlier titles, oldest first. */
  earlierTitles: Map<string, string[]>;
  /** Topics hidden at some point (the state says only whether they are hidden now). */
  everHidden: Set<string>;
  postedAfterEnd: Set<string>;
  /** Current titles, to see whether an edit changed the title (or only the description). */
  titles: Map<string, string>;
}

export const topicsSection = section<Acc>({
  id: 'topics',
  init: () => ({ ended: false, earlierTitles: new Map(), everHidden: new Set(), postedAfterEnd: new Set(), titles: new Map() }),
  step(acc, entry: LogEntry) {
    const event = entry.event;
    switch (event.type) {
      case 'meeting.ended':
        acc.ended = true;
        break;
      case 'topic.posted':
        acc.titles.set(event.topicId, event.title);
        if (acc.ended) acc.postedAfterEnd.add(event.topicId);
        break;
      case 'topic.edited': {
        const was = acc.titles.get(event.topicId);
        if (was !== undefined && was !== event.title) {
          const earlier = acc.earlierTitles.get(event.topicId);
          if (earlier === undefined) acc.earlierTitles.set(event.topicId, [was]);
          else earlier.push(was);
        }
        acc.titles.set(event.topicId, event.title);
        break;
      }
      case 'topic.hidden':
        acc.everHidden.add(event.topicId);
        break;
    }
  },
  blocks(acc, ctx) {
    const { state, t } = ctx;
    const topics = [...state.topics.values()].sort((a, b) => a.order - b.order);
    const blocks: Block[] = [{ kind: 'heading', level: 2, text: t('议题', 'Topics') }];
    if (topics.length === 0) {
      blocks.push({ kind: 'note', text: t('没有提出议题。', 'No topics were raised.') });
      return blocks;
    }
    const numbers = new Map(topics.map((topic, i) => [topic.id, i + 1]));
    const ref = (id: string) => {
      const topic = state.topics.get(id);
      return topic === undefined ? NONE : `#${numbers.get(id) ?? '?'}「${topic.title}」`;
    };
    const rows = topics.map((topic): Inline[][] => {
      const [name, group] = convener(ctx, topic);
      const earlier = acc.earlierTitles.get(topic.id);
      const title: Inline[] = [topic.withdrawn ? { text: topic.title, struck: true } : topic.title];
      if (earlier !== undefined) title.push({ text: t(`（原为：${earlier.join('；')}）`, ` (was: ${earlier.join('; ')})`), muted: true });
      return [[String(numbers.get(topic.id))], title, [name], [group], [timeOnDay(ctx, topic.postedAt)], [remarks(acc, ctx, topic, ref)]];
    });
    blocks.push({
      kind: 'table',
      header: ['#', t('议题', 'Topic'), t('发起人', 'Convener'), t('利益相关方', 'Group'), t('提出时间', 'Posted'), t('备注', 'Remarks')],
      rows,
      widths: [1, 6, 3, 3, 2, 4]
    });

    const merges = [...state.merges.values()].sort((a, b) => a.order - b.order);
    if (merges.length > 0) {
      blocks.push({ kind: 'heading', level: 3, text: t('合并记录', 'Merges') });
      blocks.push({
        kind: 'list',
        ordered: false,
        items: merges.map((merge): Inline[] => {
          const sources = merge.sourceIds.map(ref).join(t('、', ', '));
          const items: Inline[] = [t(`${sources}并入${ref(merge.targetId)}（${timeOnDay(ctx, merge.mergedAt)}）`, `${sources} merged into ${ref(merge.targetId)} (${timeOnDay(ctx, merge.mergedAt)})`)];
          if (!merge.active && merge.unmergedAt !== null) items.push({ text: t(`，已于 ${timeOnDay(ctx, merge.unmergedAt)} 撤销`, `, undone at ${timeOnDay(ctx, merge.unmergedAt)}`), muted: true });
          return items;
        })
      });
    }
    return blocks;
  }
});

/** The convener's name and group: a participant as the meeting knows them now, or the name on a paper slip. */
function convener(ctx: RecordContext, topic: Topic): [string, string] {
  const c = topic.convener;
  if (c.kind === 'named') return [c.name, c.group === null ? NONE : groupLabel(ctx, c.group)];
  const person = personOf(ctx.state, c.participantId);
  return person === undefined ? [NONE, NONE] : [person.name, groupLabel(ctx, person.group)];
}

function remarks(acc: Acc, ctx: RecordContext, topic: Topic, ref: (id: string) => string): string {
  const { t, state } = ctx;
  const out: string[] = [];
  if (topic.withdrawn) out.push(t('已撤回', 'withdrawn'));
  if (topic.hidden) out.push(t('已被主持人隐藏', 'hidden by the facilitator'));
  else if (acc.everHidden.has(topic.id)) out.push(t('曾被隐藏，已恢复', 'hidden, then shown again'));
  const mergeId = state.index.mergeOfSource.get(topic.id);
  const merge = mergeId === undefined ? undefined : state.merges.get(mergeId);
  if (merge !== undefined) out.push(t(`并入 ${ref(merge.targetId)}`, `merged into ${ref(merge.targetId)}`));
  if (topic.enteredBy !== null) out.push(t('据纸条代录', 'entered from a paper slip'));
  if (acc.postedAfterEnd.has(topic.id)) out.push(t('会后补记', 'added after the meeting'));
  else if (topic.amendedAfterEnd) out.push(t('会后修改', 'changed after the meeting'));
  return out.length === 0 ? NONE : out.join(t('；', '; '));
}
