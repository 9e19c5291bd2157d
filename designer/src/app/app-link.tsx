/**
 * Links inside the app: real `<a href>`s (focusable, announced as links, open in a new tab
 * with Ctrl or a middle click) that a plain click follows without reloading the page.
 */
import { Anchor, type AnchorProps } from '@mantine/core';
import type { MouseEvent, ReactNode } from 'react';
import { navigate } from '../router.ts';

/** `href` and `onClick` for any anchor-like component (Anchor, NavLink). */
export function linkTo(to: string) {
  return {
    href: to,
    onClick: (event: MouseEvent) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      navigate(to);
    },
  };
}

export function AppLink({ to, children, ...props }: { to: string; children: ReactNode } & AnchorProps) {
  return (
    <Anchor size="sm" {...props} {...linkTo(to)}>
      {children}
    </Anchor>
  );
}
