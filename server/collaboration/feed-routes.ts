import { idParams, listOf } from '../../schemas/common.ts';
import {
  commentBody,
  commentParams,
  commentResponse,
  feedListQuery,
  feedPostBody,
  feedPostDetailResponse,
  feedPostPatchBody,
  feedPostResponse,
} from '../../schemas/feed.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import {
  addComment,
  deleteComment,
  deletePost,
  getPost,
  listPosts,
  postAs,
  setPinned,
  updatePost,
} from './feed.ts';

const tags = ['feed'];

/** The activity feed: posts (pinned first), their comments, and pins. */
export const feedRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Posts I may see, pinned first, then newest',
        querystring: feedListQuery,
        response: { 200: listOf(feedPostResponse) },
      },
    },
    async (request) => listPosts(app.db, principalOf(request), request.query),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: "Post (on a record, on a user's feed, or on the general feed)",
        body: feedPostBody,
        response: { 201: feedPostResponse },
      },
    },
    async (request, reply) => reply.code(201).send(await postAs(app.db, principalOf(request), request.body)),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One post with its comments',
        params: idParams,
        response: { 200: feedPostDetailResponse },
      },
    },
    async (request) => getPost(app.db, principalOf(request), request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Edit a post (its author or an administrator)',
        params: idParams,
        body: feedPostPatchBody,
        response: { 200: feedPostResponse },
      },
    },
    async (request) =>
      updatePost(app.db, principalOf(request), actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a post (its author or an administrator)', params: idParams } },
    async (request, reply) => {
      await deletePost(app.db, principalOf(request), actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/:id/comments',
    {
      schema: {
        tags,
        summary: 'Comment on a post I may see',
        params: idParams,
        body: commentBody,
        response: { 201: commentResponse },
      },
    },
    async (request, reply) => {
      const comment = await addComment(app.db, principalOf(request), request.params.id, request.body.text);
      return reply.code(201).send(comment);
    },
  );

  app.delete(
    '/:id/comments/:commentId',
    {
      schema: {
        tags,
        summary: "Delete a comment (its author, the post's author, or an administrator)",
        params: commentParams,
      },
    },
    async (request, reply) => {
      await deleteComment(app.db, principalOf(request), request.params.id, request.params.commentId);
      return reply.code(204).send();
    },
  );

  for (const [method, pinned] of [
    ['POST', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/:id/pin',
      schema: {
        tags,
        summary: pinned ? 'Pin a post (admin)' : 'Unpin a post (admin)',
        params: idParams,
        response: { 200: feedPostResponse },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        requireAdmin(principal);
        return setPinned(app.db, principal, actorOf(request), request.params.id, pinned);
      },
    });
  }
};
