import { badgeFor, type BadgeKind } from '../badges';

// Badge renders one entry of the badge catalogue (src/badges.ts); it knows no values itself.
export function Badge({ kind, value, title }: { kind: BadgeKind; value: string | null | undefined; title?: string }) {
  const b = badgeFor(kind, value);
  return (
    <span className={`badge tone-${b.tone}`} data-tone={b.tone} data-kind={kind} title={title}>
      {b.label}
    </span>
  );
}
