// Toasts for new alerts (docs/web.md: Alerts): each shows for a few seconds (longer
// while the pointer or focus is on it) and has a dismiss button; clicking its text
// selects the character. Alerts that arrive together (an outage takes many characters
// offline at once) become one summary toast, and at most a few toasts are on screen, so
// a burst never covers the page or floods a screen reader.
import type { Alert } from '../types.js';
import { describeDetail, TOAST_SETTINGS } from '../alert-book.js';
import { el } from './dom.js';

export class Toasts {
  private pending: Alert[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly select: (name: string) => void,
  ) {}

  add(a: Alert): void {
    this.pending.push(a);
  }

  /** Shows what was added since the last flush (called once per frame). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    if (batch.length <= TOAST_SETTINGS.separateMax)
      for (const a of batch) {
        const detail = describeDetail(a.detail);
        this.show(a.kind, `${a.character_name}${detail ? ` · ${detail}` : ''}`, a.character_name);
      }
    else {
      const kinds = new Map<string, number>();
      for (const a of batch) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
      this.show(`${batch.length} new alerts`, [...kinds].map(([k, n]) => `${k} ×${n}`).join(', '));
    }
    while (this.root.childElementCount > TOAST_SETTINGS.visibleMax) this.root.firstElementChild?.remove();
  }

  private show(head: string, text: string, character?: string): void {
    const body = el('button', { type: 'button', class: 'toast-body' }, el('strong', {}, head), ` ${text}`);
    const close = el('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
    const toast = el('div', { class: 'toast', role: 'alert' }, body, close);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const dismiss = () => {
      clearTimeout(timer);
      toast.remove();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(dismiss, TOAST_SETTINGS.shownMs);
    };
    const hold = () => clearTimeout(timer);
    close.addEventListener('click', dismiss);
    body.addEventListener('click', () => {
      if (character !== undefined) this.select(character);
      dismiss();
    });
    toast.addEventListener('mouseenter', hold);
    toast.addEventListener('focusin', hold);
    toast.addEventListener('mouseleave', arm);
    toast.addEventListener('focusout', arm);
    this.root.append(toast);
    arm();
  }
}
