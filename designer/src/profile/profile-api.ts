/** The signed-in user's own account as `/api/me` and `/api/auth/*` answer it. */
import type { User } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';

export interface Me extends User {
  email: string | null;
  title: string | null;
  phone: string | null;
  invisible: boolean;
  available: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface Session {
  id: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

export interface LoginAttempt {
  id: number;
  at: string;
  success: boolean;
  ip: string | null;
  userAgent: string | null;
}

export const when = (iso: string | null) => (iso ? formatDateTime(iso) : '—');
