// The Chat panel: live lines only (chat is never stored: docs/protocol.md §6).
import type { Store } from '../store.js';
import { el, byId } from './dom.js';

const SHOWN = 200;

export class ChatPanel {
  private seen = -1;
  constructor(private readonly store: Store) {}
  render(): void {
    if (this.seen === this.store.version.chat) return;
    this.seen = this.store.version.chat;
    const list = byId('chat-list');
    const stick =
      list.parentElement!.scrollTop + list.parentElement!.clientHeight >= list.parentElement!.scrollHeight - 20;
    list.replaceChildren(
      ...this.store.chat
        .slice(-SHOWN)
        .map((c) =>
          el(
            'li',
            {},
            el('span', { class: 'dim' }, `${new Date(c.timestamp).toLocaleTimeString()} `),
            el('strong', {}, c.character_name),
            `: ${c.text}`,
          ),
        ),
    );
    if (stick) list.parentElement!.scrollTop = list.parentElement!.scrollHeight;
  }
}
