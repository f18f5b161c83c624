import type { CommandValue } from '@yishi/protocol';
import type { CommandSpecs, EventSpecs } from '../feature.ts';
import { projectEdited, projectPosted, projectRemoved, projectSpotlit, projectUnhidden } from './project.ts';
import { topicCommandSchemas, topicEventSchemas, type TopicCommand, type TopicEvent } from './schemas.ts';
import { topicsSection } from './section.ts';
import { decideSpotlight, spotlit } from './spotlight.ts';
import {
  decideEdit,
  decideMerge,
  decidePost,
  decidePostFor,
  decideUnmerge,
  decideVisibility,
  decideWithdraw,
  topicEdited,
  topicMerged,
  topicPosted,
  topicRedacted,
  topicUnhidden,
  topicUnmerged
} from './topics.ts';

/** The ack of a post says which topic it created, so the page can follow it (a retry gets the same id). */
function createdTopic(events: readonly TopicEvent[]): CommandValue {
  const posted = events.find((e) => e.type === 'topic.posted');
  return { topicId: posted?.type === 'topic.posted' ? posted.topicId : null };
}

function createdMerge(events: readonly TopicEvent[]): CommandValue {
  const merged = events.find((e) => e.type === 'topic.merged');
  return { mergeId: merged?.type === 'topic.merged' ? merged.mergeId : null };
}

/**
 * Topics: the open space's marketplace. Participants post, edit and withdraw their own; staff enter
 * topics from paper slips and correct those; the facilitator hides, merges duplicates and puts one topic
 * on the board in full. Hidden and withdrawn topics never reach the board or participants.
 */
export const topics = {
  clientCommands: topicCommandSchemas,
  serverCommands: [] as const,
  events: topicEventSchemas,
  commands: {
    'topic.post': { rights: ['participant'], decide: decidePost, result: createdTopic },
    // Staff correct only what staff entered (a named convener); the command's own rules check whose topic it is.
    'topic.edit': { rights: ['participant', 'facilitator', 'secretary'], afterEnd: 'record', decide: (state, command, actor) => decideEdit(state, command, actor) },
    'topic.withdraw': { rights: ['participant', 'facilitator', 'secretary'], afterEnd: 'record', decide: (state, command, actor) => decideWithdraw(state, command, actor) },
    'topic.postFor': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: decidePostFor, result: createdTopic },
    'topic.hide': { rights: ['facilitator'], decide: (state, command) => decideVisibility(state, command) },
    'topic.unhide': { rights: ['facilitator'], decide: (state, command) => decideVisibility(state, command) },
    'topic.merge': { rights: ['facilitator'], decide: (state, command, _actor, ctx) => decideMerge(state, command, ctx), result: createdMerge },
    'topic.unmerge': { rights: ['facilitator'], decide: (state, command) => decideUnmerge(state, command) },
    'board.spotlight': { rights: ['facilitator'], decide: (state, command) => decideSpotlight(state, command) }
  } satisfies CommandSpecs<TopicCommand, TopicEvent>,
  eventSpecs: {
    // A topic's poster, editor and withdrawer is its convener (or staff entering a slip, named in
    // `enteredBy`): public anyway. The facilitator's moderation names nobody.
    'topic.posted': { evolve: topicPosted, actor: 'public', project: projectPosted },
    'topic.edited': { evolve: (state, event) => topicEdited(state, event), actor: 'public', project: projectEdited },
    'topic.withdrawn': { evolve: (state, event) => topicRedacted(state, event), actor: 'public', project: projectRemoved },
    'topic.hidden': { evolve: (state, event) => topicRedacted(state, event), actor: 'private', project: projectRemoved },
    'topic.unhidden': { evolve: (state, event) => topicUnhidden(state, event), actor: 'private', project: projectUnhidden },
    'topic.merged': { evolve: topicMerged, actor: 'private' },
    'topic.unmerged': { evolve: topicUnmerged, actor: 'private' },
    'board.spotlit': { evolve: (state, event) => spotlit(state, event), actor: 'private', project: projectSpotlit }
  } satisfies EventSpecs<TopicEvent>,
  /** The topics' section of the minutes: every topic, merges, hidden and withdrawn ones, earlier titles. */
  sections: [topicsSection]
};
export { MAX_OPEN_TOPICS_PER_PARTICIPANT } from './topics.ts';
export { visibleTopics, convenersOf, topicCounts, type TopicRow, type MergeGroup } from './selectors.ts';
export { TopicViewSchema, type TopicView } from './schemas.ts';
