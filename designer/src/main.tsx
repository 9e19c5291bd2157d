import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@xyflow/react/dist/style.css';
import './app/app.css';
import { createTheme, MantineProvider, Table } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app.tsx';
import { reloadBranding } from './app/branding.ts';

const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  components: {
    // Wide tables scroll sideways in a plain overflow box: native touch and keyboard scrolling.
    TableScrollContainer: Table.ScrollContainer.extend({ defaultProps: { type: 'native' } }),
  },
});

const root = document.getElementById('root');
// The branding first: its default theme is the colour scheme the app opens in.
if (root)
  reloadBranding()
    .catch(() => undefined)
    .then((branding) => {
      createRoot(root).render(
        <StrictMode>
          <MantineProvider theme={theme} defaultColorScheme={branding?.defaultTheme ?? 'light'}>
            <Notifications position="bottom-right" />
            <App />
          </MantineProvider>
        </StrictMode>,
      );
    });
