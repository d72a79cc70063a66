// `chat`: a chat line. Broadcast live on core NATS only: never stored (docs/protocol.md "7. Live feed for browsers").
import { Type, type Static } from '@sinclair/typebox';
import { commonFields, Text } from './common.js';

export const ChatEvent = Type.Object(
  {
    type: Type.Literal('chat'),
    ...commonFields,
    text: Text(1, 2000, 'The chat text.'),
    color: Type.Optional(
      Type.Integer({ minimum: -2147483648, maximum: 4294967295, description: 'Client color code.' }),
    ),
  },
  {
    $id: 'ChatEvent',
    title: 'chat',
    description: 'A chat line (live only, never stored). Unknown extra fields are allowed and kept.',
  },
);

export type ChatEvent = Static<typeof ChatEvent>;
