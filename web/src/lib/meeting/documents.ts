import type { DocumentAccess, DocumentKind } from '@yishi/domain';
import { m } from '$lib/i18n';

/** The catalogue's name of a document kind and of an access. */
export const KIND_TEXT: Record<DocumentKind, () => string> = {
  charter: m.documents_kind_charter,
  notes: m.documents_kind_notes,
  minutesDraft: m.documents_kind_minutesDraft,
  workflow: m.documents_kind_workflow,
  orgChart: m.documents_kind_orgChart,
  zoning: m.documents_kind_zoning
};

export const ACCESS_TEXT: Record<DocumentAccess, () => string> = {
  everyone: m.documents_access_everyone,
  named: m.documents_access_named,
  readonly: m.documents_access_readonly
};
