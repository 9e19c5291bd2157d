/** The webhook verifiers by service name: the webhook trigger's `service` param picks one. */
import { githubVerifier } from './github.ts';
import { sharedSecretVerifier } from './shared-secret.ts';
import { shopifyVerifier } from './shopify.ts';
import { slackVerifier } from './slack.ts';
import { stripeVerifier } from './stripe.ts';
import type { Verifier } from './verify.ts';
import { weftVerifier } from './webhook.ts';

export const webhookServices = ['weft', 'github', 'stripe', 'shopify', 'slack', 'sharedSecret'] as const;
export type WebhookService = (typeof webhookServices)[number];

export const verifiers: Record<WebhookService, Verifier> = {
  weft: weftVerifier,
  github: githubVerifier,
  stripe: stripeVerifier,
  shopify: shopifyVerifier,
  slack: slackVerifier,
  sharedSecret: sharedSecretVerifier,
};

export function verifierOf(service: unknown): Verifier {
  return verifiers[
    (webhookServices as readonly unknown[]).includes(service) ? (service as WebhookService) : 'weft'
  ];
}
