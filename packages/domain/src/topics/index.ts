import type { CommandSpecs, EventSpecs } from '../feature.ts';
import { projectEdited, projectPosted, projectRemoved, projectSpotlit, projectUnhidden } from './project.ts';
import { topicCommandSchemas, topicEventSchemas, type TopicCommand, type TopicEvent } from './schemas.ts';
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
    'topic.post': { rights: ['participant'], decide: decidePost },
    // Staff correct only what staff entered (a named convener); the command's own rules check whose topic it is.
    'topic.edit': { rights: ['participant', 'facilitator', 'secretary'], afterEnd: 'record', decide: (state, command, actor) => decideEdit(state, command, actor) },
    'topic.withdraw': { rights: ['participant', 'facilitator', 'secretary'], afterEnd: 'record', decide: (state, command, actor) => decideWithdraw(state, command, actor) },
    'topic.postFor': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: decidePostFor },
    'topic.hide': { rights: ['facilitator'], decide: (state, command) => decideVisibility(state, command) },
    'topic.unhide': { rights: ['facilitator'], decide: (state, command) => decideVisibility(state, command) },
    'topic.merge': { rights: ['facilitator'], decide: (state, command, _actor, ctx) => decideMerge(state, command, ctx) },
    'topic.unmerge': { rights: ['facilitator'], decide: (state, command) => decideUnmerge(state, command) },
    'board.spotlight': { rights: ['facilitator'], decide: (state, command) => decideSpotlight(state, command) }
  } satisfies CommandSpecs<TopicCommand, TopicEvent>,
  eventSpecs: {
    'topic.posted': { evolve: topicPosted, project: projectPosted },
    'topic.edited': { evolve: (state, event) => topicEdited(state, event), project: projectEdited },
    'topic.withdrawn': { evolve: (state, event) => topicRedacted(state, event), project: projectRemoved },
    'topic.hidden': { evolve: (state, event) => topicRedacted(state, event), project: projectRemoved },
    'topic.unhidden': { evolve: (state, event) => topicUnhidden(state, event), project: projectUnhidden },
    'topic.merged': { evolve: topicMerged },
    'topic.unmerged': { evolve: topicUnmerged },
    'board.spotlit': { evolve: (state, event) => spotlit(state, event), project: projectSpotlit }
  } satisfies EventSpecs<TopicEvent>
};
export { MAX_OPEN_TOPICS_PER_PARTICIPANT } from './topics.ts';
export { visibleTopics, convenersOf, topicCounts, type TopicRow, type MergeGroup } from './selectors.ts';
export { TopicViewSchema, type TopicView } from './schemas.ts';
