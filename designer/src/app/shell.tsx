import {
  ActionIcon,
  AppShell,
  Avatar,
  Burger,
  Group,
  Image,
  Indicator,
  Loader,
  Menu,
  NavLink,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
  useMantineColorScheme,
} from '@mantine/core';
import { useLocalStorage, useMediaQuery } from '@mantine/hooks';
import { lazy, type ReactNode, Suspense, useEffect, useRef, useState } from 'react';
import type { User } from '../api.ts';
import { ConsoleNav } from '../console/console-nav.tsx';
import { navigate, routeOf, usePath } from '../router.ts';
import { GettingStarted, HelpMenu, ShortcutsHelp } from '../search/help.tsx';
import { linkTo } from './app-link.tsx';
import { useBranding } from './branding.ts';
import { useUnreadCount } from './live.ts';

const GlobalSearch = lazy(() =>
  import('../search/global-search.tsx').then((m) => ({ default: m.GlobalSearch })),
);

const typingInto = (target: EventTarget | null) =>
  !!(target as HTMLElement | null)?.closest?.(
    'input, textarea, select, [contenteditable="true"], .monaco-editor',
  );

const FeedPanel = lazy(() => import('../feed/feed-panel.tsx').then((m) => ({ default: m.FeedPanel })));

/** Below this width the menu hides behind the burger and the feed panel covers the page (Mantine's `md`). */
const narrowQuery = '(max-width: 61.99em)';

function Bell() {
  const unread = useUnreadCount();
  return (
    <Tooltip label={`${unread ?? 0} unread notifications`}>
      <Indicator
        disabled={!unread}
        label={unread ?? 0}
        size={16}
        color="red"
        data-testid="unread-count"
        data-count={unread ?? 'offline'}
      >
        <ActionIcon
          variant="subtle"
          color="gray"
          size="lg"
          aria-label="Notifications"
          onClick={() => navigate('/notifications')}
        >
          <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
            <title>Notifications</title>
            <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0" />
          </svg>
        </ActionIcon>
      </Indicator>
    </Tooltip>
  );
}

export function Shell({
  user,
  onSignOut,
  children,
}: {
  user: User;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const path = usePath();
  const branding = useBranding();
  const narrow = useMediaQuery(narrowQuery) ?? false;
  // Light or dark, remembered in this browser (Mantine keeps it in localStorage).
  const { colorScheme, toggleColorScheme } = useMantineColorScheme();
  const initials = `${user.firstName[0] ?? ''}${user.lastName[0] ?? ''}`.toUpperCase() || user.username[0];

  // The menu, on a narrow screen: open from the burger, closed again by going somewhere.
  const [navOpen, setNavOpen] = useState(false);
  const [navPath, setNavPath] = useState(path);
  if (navPath !== path) {
    setNavPath(path);
    setNavOpen(false);
  }

  // The feed panel stays open or closed, per user, across pages and visits.
  const [panelOpen, setPanelOpen] = useLocalStorage({
    key: `weft.feedPanel.${user.id}`,
    defaultValue: false,
    getInitialValueInEffect: false,
  });
  const [focusPanel, setFocusPanel] = useState(false);
  // Ctrl+K searches everything; "?" (outside a text field) lists the shortcuts.
  const [searching, setSearching] = useState(false);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [guideOpen, setGuideOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const inMonaco = !!(event.target as HTMLElement | null)?.closest?.('.monaco-editor');
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k' && !inMonaco) {
        event.preventDefault();
        setSearching(true);
      } else if (event.key === '?' && !event.ctrlKey && !event.metaKey && !typingInto(event.target)) {
        event.preventDefault();
        setShortcutsOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const toggle = useRef<HTMLButtonElement>(null);
  const burger = useRef<HTMLButtonElement>(null);
  const openPanel = (open: boolean) => {
    setPanelOpen(open);
    setFocusPanel(open);
    if (open) setNavOpen(false);
  };
  const closePanel = () => {
    openPanel(false);
    toggle.current?.focus();
  };
  const toggleNav = () => {
    setNavOpen(!navOpen);
    // Both cover the page on a narrow screen: the menu goes over the panel by closing it.
    if (!navOpen && narrow && panelOpen) setPanelOpen(false);
  };

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 180, breakpoint: 'md', collapsed: { mobile: !navOpen } }}
      aside={{ width: 380, breakpoint: 'md', collapsed: { mobile: !panelOpen, desktop: !panelOpen } }}
      padding={0}
    >
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              ref={burger}
              opened={navOpen}
              onClick={toggleNav}
              hiddenFrom="md"
              size="sm"
              aria-label="Navigation"
              aria-expanded={navOpen}
              aria-controls="weft-navbar"
            />
            <UnstyledButton {...linkTo('/')} component="a" aria-label={`${branding.appName} home`}>
              <Group gap={8} wrap="nowrap">
                {branding.logoUrl && <Image src={branding.logoUrl} alt="" h={28} w="auto" fit="contain" />}
                <Title order={4} c="indigo.7" component="span" data-testid="app-name">
                  {branding.appName}
                </Title>
              </Group>
            </UnstyledButton>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Tooltip label="Search records, flows and pages (Ctrl+K)">
              <ActionIcon
                variant="subtle"
                color="gray"
                size="lg"
                aria-label="Search"
                onClick={() => setSearching(true)}
              >
                <svg
                  width="20"
                  height="20"
                  viewBox="0 0 24 24"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2"
                  aria-hidden="true"
                >
                  <circle cx="11" cy="11" r="7" />
                  <path d="M21 21l-4.3-4.3" />
                </svg>
              </ActionIcon>
            </Tooltip>
            <HelpMenu onShortcuts={() => setShortcutsOpen(true)} onGuide={() => setGuideOpen(true)} />
            <Tooltip label={panelOpen ? 'Close the activity panel' : 'Open the activity panel'}>
              <ActionIcon
                ref={toggle}
                variant={panelOpen ? 'light' : 'subtle'}
                color={panelOpen ? 'indigo' : 'gray'}
                size="lg"
                aria-label="Activity panel"
                aria-expanded={panelOpen}
                aria-controls={panelOpen ? 'weft-feed-panel' : undefined}
                onClick={() => openPanel(!panelOpen)}
                data-testid="feed-panel-toggle"
              >
                <svg
                  width="20"
                  height="20"
                  viewBox="0 0 24 24"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2"
                  aria-hidden="true"
                >
                  <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2zM8 9h8M8 13h5" />
                </svg>
              </ActionIcon>
            </Tooltip>
            <Bell />
            <Menu position="bottom-end" withArrow>
              <Menu.Target>
                <Avatar component="button" color="indigo" radius="xl" size={32} aria-label="User menu">
                  {initials}
                </Avatar>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {user.firstName} {user.lastName}
                  <Text size="xs" c="dimmed">
                    @{user.username}
                  </Text>
                </Menu.Label>
                <Menu.Item onClick={() => navigate('/profile')}>Profile</Menu.Item>
                <Menu.Item onClick={() => navigate('/profile/preferences')}>Preferences</Menu.Item>
                <Menu.Item onClick={toggleColorScheme} data-testid="color-scheme">
                  {colorScheme === 'dark' ? 'Light mode' : 'Dark mode'}
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item onClick={onSignOut}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar
        p="xs"
        id="weft-navbar"
        aria-label="Main"
        className="weft-navbar"
        data-closed={!navOpen || undefined}
        style={{ overflowY: 'auto' }}
        onKeyDown={(event) => {
          if (event.key !== 'Escape' || !narrow || !navOpen) return;
          setNavOpen(false);
          burger.current?.focus();
        }}
      >
        <NavLink label="Home" active={routeOf(path).name === 'home'} {...linkTo('/')} />
        {user.isAdmin && (
          <NavLink
            label="Flows"
            active={['flows', 'flow'].includes(routeOf(path).name)}
            {...linkTo('/flows')}
          />
        )}
        {user.isAdmin && (
          <NavLink
            label="Flow runs"
            active={['runs', 'run'].includes(routeOf(path).name)}
            {...linkTo('/runs')}
          />
        )}
        <ConsoleNav user={user} />
      </AppShell.Navbar>
      {panelOpen && (
        <AppShell.Aside
          id="weft-feed-panel"
          aria-label="Activity panel"
          onKeyDown={(event) => {
            // An open dropdown inside takes its own Escape (Mantine marks its target).
            if (event.key !== 'Escape' || event.defaultPrevented) return;
            if ((event.target as HTMLElement).closest('[data-mantine-stop-propagation]')) return;
            event.preventDefault();
            closePanel();
          }}
        >
          <Suspense fallback={<Loader m="md" size="sm" />}>
            <FeedPanel onClose={closePanel} focusOnOpen={focusPanel} />
          </Suspense>
        </AppShell.Aside>
      )}
      <AppShell.Main style={{ height: '100vh', display: 'flex', flexDirection: 'column', minWidth: 0 }}>
        {children}
      </AppShell.Main>
      {searching && (
        <Suspense fallback={null}>
          <GlobalSearch opened={searching} onClose={() => setSearching(false)} isAdmin={user.isAdmin} />
        </Suspense>
      )}
      <ShortcutsHelp opened={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
      <GettingStarted opened={guideOpen} onClose={() => setGuideOpen(false)} />
    </AppShell>
  );
}
