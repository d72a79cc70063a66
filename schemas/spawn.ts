// `spawn`: a mob seen spawning near the character.
import { Type, type Static } from '@sinclair/typebox';
import { commonFields, Coordinate, Text } from './common.js';

export const SpawnEvent = Type.Object({
  type: Type.Literal('spawn'),
  ...commonFields,
  mob: Text(1, 128, 'The mob name.'),
  ew: Coordinate('East-west coordinate.'),
  ns: Coordinate('North-south coordinate.'),
  z: Type.Optional(Coordinate('Height.')),
}, { $id: 'SpawnEvent', title: 'spawn', description: 'A mob spawn. Unknown extra fields are allowed and kept.' });

export type SpawnEvent = Static<typeof SpawnEvent>;
