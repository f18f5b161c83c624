/*
 * The document model is the domain's (packages/domain/src/record/model.ts); this package reads its types
 * only, so the renderers stay plain functions of plain data and never pull in the domain's rules.
 */
export type { Block, Inline, RecordDocument } from '@yishi/domain';
export type { Language } from '@yishi/protocol';
