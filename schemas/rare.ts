// `rare`: a rare item found by the character.
import { Type, type Static } from '@sinclair/typebox';
import { commonFields, spotFields, Text } from './common.js';

export const RareEvent = Type.Object(
  {
    type: Type.Literal('rare'),
    ...commonFields,
    name: Text(1, 128, 'The rare item.'),
    ...spotFields,
  },
  { $id: 'RareEvent', title: 'rare', description: 'A rare item found. Unknown extra fields are allowed and kept.' },
);

export type RareEvent = Static<typeof RareEvent>;
