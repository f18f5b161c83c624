import type { ChainProblem, ChainProblemKind } from '@yishi/protocol';
import { m } from '$lib/i18n';

const KIND: Record<ChainProblemKind, () => string> = {
  altered: m.verify_kind_altered,
  missing: m.verify_kind_missing,
  're-linked': m.verify_kind_relinked,
  unreadable: m.verify_kind_unreadable
};

/** "Entry 5 was altered; the 4 before it are intact", in the page's language. */
export function problemText(problem: Pick<ChainProblem, 'seq' | 'kind'>, intact: number): string {
  return m.verify_broken({ seq: problem.seq, kind: KIND[problem.kind](), count: intact });
}
