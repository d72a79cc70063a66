// `spawn`: a mob seen spawning near the character.
import { Type, type Static } from '@sinclair/typebox';
import { commonFields, spotFields, Text } from './common.js';

export const SpawnEvent = Type.Object(
  {
    type: Type.Literal('spawn'),
    ...commonFields,
    mob: Text(1, 128, 'The mob name.'),
    ...spotFields,
  },
  { $id: 'SpawnEvent', title: 'spawn', description: 'A mob spawn. Unknown extra fields are allowed and kept.' },
);

export type SpawnEvent = Static<typeof SpawnEvent>;
