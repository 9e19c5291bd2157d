/** /invite/<token>: the page an emailed invitation opens. Public, drawn without the shell. */
import {
  Alert,
  Anchor,
  Button,
  Center,
  Loader,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, setCsrfToken, type User } from '../api.ts';
import { fieldErrors } from '../console/console-api.ts';
import { navigate } from '../router.ts';

interface Invitation {
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  appName: string;
  expiresAt: string;
}

/** What a link that cannot be used says: the server's reason (expired, used, replaced) or that it is unknown. */
const reasonOf = (error: unknown) =>
  error instanceof ApiError && error.status === 404
    ? 'This invitation link is not valid. Check that you opened the whole link from the email.'
    : (error as Error).message;

export function AcceptInvite({ token, onSignedIn }: { token: string; onSignedIn: (user: User) => void }) {
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [unusable, setUnusable] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<Invitation>('GET', `/invitations/${token}`).then(
      (answer) => {
        setInvitation(answer);
        setUsername(answer.username);
      },
      (error) => setUnusable(reasonOf(error)),
    );
  }, [token]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirmation) {
      setErrors({ confirmation: 'The two passwords differ' });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const answer = await api<{ user: User; csrfToken: string }>('POST', `/invitations/${token}/accept`, {
        password,
        ...(username !== invitation?.username && { username }),
      });
      setCsrfToken(answer.csrfToken);
      navigate('/');
      onSignedIn(answer.user);
    } catch (error) {
      const byField = fieldErrors(error);
      if (error instanceof ApiError && error.status === 410) setUnusable(error.message);
      else if (byField.password || byField.username) setErrors(byField);
      else setErrors({ form: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center h="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={400}>
        {unusable ? (
          <Stack>
            <Title order={2}>Invitation</Title>
            <Alert color="red" role="alert" data-testid="invite-unusable">
              {unusable}
            </Alert>
            <Anchor href="/">Go to sign in</Anchor>
          </Stack>
        ) : !invitation ? (
          <Center>
            <Loader />
          </Center>
        ) : (
          <form onSubmit={submit}>
            <Stack>
              <Title order={2}>Join {invitation.appName}</Title>
              <Text size="sm">
                {invitation.firstName ? `Welcome, ${invitation.firstName}. ` : 'Welcome. '}
                You were invited as {invitation.email}. Choose your password to start.
              </Text>
              {errors.form && (
                <Alert color="red" role="alert">
                  {errors.form}
                </Alert>
              )}
              <TextInput
                label="Username"
                description="You sign in with it; it cannot change later."
                autoComplete="username"
                required
                value={username}
                error={errors.username}
                onChange={(e) => setUsername(e.currentTarget.value)}
              />
              <PasswordInput
                label="Password"
                description="At least 8 characters"
                autoComplete="new-password"
                required
                value={password}
                error={errors.password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <PasswordInput
                label="Confirm password"
                autoComplete="new-password"
                required
                value={confirmation}
                error={errors.confirmation}
                onChange={(e) => setConfirmation(e.currentTarget.value)}
              />
              <Button type="submit" loading={busy}>
                Set password and sign in
              </Button>
            </Stack>
          </form>
        )}
      </Paper>
    </Center>
  );
}
