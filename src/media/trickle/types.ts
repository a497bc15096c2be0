// The contract of the trickle clients (go-livepeer's trickle/trickle_publisher.go and
// trickle_subscriber.go semantics), shared by the live runner, the orchestrator and the gateway.
// A channel is a sequence of segments; each segment is a streaming body (readers get its bytes as
// they are written). The server keeps a ring of the last 5 segments per channel.

/** One segment being published: its bytes stream to every reader as they are written. */
export interface SegmentWriter {
  readonly seq: number;
  /** Resolves once the chunk is handed to the connection (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends this segment (the readers' body ends). */
  end(): Promise<void>;
  /** Abandons this segment (its readers see an error). */
  abort(reason?: Error): void;
}

export interface TricklePublisher {
  /** The next segment (preconnected: the POST for seq n+1 is opened while seq n is written). */
  next(): Promise<SegmentWriter>;
  /** Publishes one whole segment. */
  write(data: Uint8Array): Promise<void>;
  /** Closes the channel for every subscriber (DELETE of the channel) and releases the preconnect. */
  close(): Promise<void>;
}

/** One segment as read: an async stream of its bytes. */
export interface SegmentReader extends AsyncIterable<Uint8Array> {
  readonly seq: number;
}

export interface TrickleSubscriber {
  /**
   * The next segment in order, starting where the subscriber was told to (a seq, -1 for the latest
   * or -2 for the one being written next). null once the channel is closed (end of stream).
   */
  read(signal?: AbortSignal): Promise<SegmentReader | null>;
  close(): void;
}
