// `rare`: a rare item found by the character.
import { Type, type Static } from '@sinclair/typebox';
import { commonFields, Coordinate, Text } from './common.js';

export const RareEvent = Type.Object({
  type: Type.Literal('rare'),
  ...commonFields,
  name: Text(1, 128, 'The rare item.'),
  ew: Coordinate('East-west coordinate.'),
  ns: Coordinate('North-south coordinate.'),
  z: Type.Optional(Coordinate('Height.')),
}, { $id: 'RareEvent', title: 'rare', description: 'A rare item found. Unknown extra fields are allowed and kept.' });

export type RareEvent = Static<typeof RareEvent>;
