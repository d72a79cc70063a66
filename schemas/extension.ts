// An extension type: an event type newer plugins send (`vitals`, `character_stats`,
// `quest`, …) that this release does not project. Only what every event needs is
// checked; the rest is kept as sent, in the log, for a later release to project with
// `replay` (docs/protocol.md "Extension types", docs/adding-event-types.md).
import { Type, type Static } from '@sinclair/typebox';
import { commonFields } from './common.js';
import { EXTENSION_TYPE } from '../src/shared/subjects.js';

export const ExtensionEvent = Type.Object(
  {
    type: Type.String({
      pattern: EXTENSION_TYPE.source,
      description: 'The extension type: a lower-case letter, then up to 47 lower-case letters, digits or `_`.',
    }),
    ...commonFields,
  },
  {
    $id: 'ExtensionEvent',
    title: 'extension',
    description: 'An event type this release keeps in the log without projecting it. Every other field is kept.',
  },
);

export type ExtensionEvent = Static<typeof ExtensionEvent>;
