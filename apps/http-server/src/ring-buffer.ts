import { RingBuffer } from '@exai/core';
import type { RecentRequest, RecentRequests } from './deps.js';

/** The latest requests (core's ring buffer); the oldest falls off. */
export class RecentRequestBuffer extends RingBuffer<RecentRequest> implements RecentRequests {
  constructor(capacity = 200) {
    super(capacity);
  }
}
