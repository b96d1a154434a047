import { useEffect, useId, useRef, type ReactNode } from 'react';
import { errorMessage } from '../api/errors';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// Dialog is the one modal: a labelled role="dialog" over a backdrop. Focus moves into it (the
// element marked data-autofocus, else the first focusable one), Tab stays inside it, Escape
// closes it, and focus goes back where it was when it closes.
export function Dialog({
  title,
  onClose,
  children,
  describedBy,
  wide,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  describedBy?: string;
  wide?: boolean;
  testId?: string;
}) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const el = ref.current;
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ?? el?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? el)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        closeRef.current();
        return;
      }
      if (e.key !== 'Tab' || !el) return;
      const items = [...el.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (items.length === 0) return;
      const [head, tail] = [items[0], items[items.length - 1]];
      if (e.shiftKey && document.activeElement === head) {
        e.preventDefault();
        tail.focus();
      } else if (!e.shiftKey && document.activeElement === tail) {
        e.preventDefault();
        head.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (before && document.contains(before)) before.focus();
    };
  }, []);

  return (
    <div className="dialog-backdrop">
      <div
        ref={ref}
        className={`dialog ${wide ? 'dialog-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        tabIndex={-1}
        data-testid={testId}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

// ConfirmDialog asks before something that cannot be taken back lightly. The error of a refused
// attempt (e.g. a 409 problem's detail) is shown inside it, and the dialog stays open.
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  destructive,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  pending?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const bodyId = useId();
  return (
    <Dialog title={title} onClose={onCancel} describedBy={bodyId} testId="confirm-dialog">
      <div id={bodyId} className="dialog-body">
        {children}
      </div>
      {error != null && (
        <p className="form-error" role="alert" data-testid="confirm-error">
          {errorMessage(error)}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={onCancel} data-autofocus={destructive ? true : undefined}>
          Cancel
        </button>
        <button
          type="button"
          className={`button ${destructive ? 'button-destructive' : ''}`}
          onClick={onConfirm}
          disabled={pending}
          data-autofocus={destructive ? undefined : true}
        >
          {pending ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

// CapabilityReason says why a control is disabled: the capability the caller lacks on the tenant.
// Point the control's aria-describedby at its id.
export function CapabilityReason({ id, capability, what }: { id: string; capability: string; what?: string }) {
  return (
    <p id={id} className="hint hint-left" data-testid="capability-reason" data-capability={capability}>
      {what ? `${what}: y` : 'Y'}ou lack the capability <code>{capability}</code> on this tenant.
    </p>
  );
}
