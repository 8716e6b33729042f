/**
 * One chunk of the book as stored in the vector store. The first five payload fields are
 * the contract's (the previous backend wrote them); the rest are ours and optional on read,
 * since points written by the previous ingest lack them.
 */
export interface ChunkPayload {
  file_path: string;
  heading_path: string[];
  section_depth: number;
  content: string;
  token_count: number;
  embedding_model?: string;
  content_hash?: string;
  /** The page's URL, without an anchor. */
  url?: string;
  /** Position of the chunk within its file, from 0. */
  chunk_index?: number;
  /** The id Docusaurus gives the chunk's section heading: `url#anchor` opens the page at the section. */
  anchor?: string;
  /** The page's title: front matter `title`, else its first `#` heading, else words of its file name. */
  title?: string;
}

export interface ChunkPoint {
  /** UUID. */
  id: string;
  vector: number[];
  payload: ChunkPayload;
}

export interface SearchHit {
  id: string;
  /** The store's similarity score (cosine similarity for both stores). */
  score: number;
  payload: ChunkPayload;
}

/** A question for hybrid retrieval: its embedding, and its words for the lexical side. */
export interface SearchQuery {
  vector: number[];
  text: string;
  /**
   * Told how the store searched: `hybrid`, or `vector` alone when the question has no word to
   * match or the server cannot fuse (Qdrant before 1.14).
   */
  onMode?: (mode: "hybrid" | "vector") => void;
}

/** A page of the book as the store holds it (url and title as its first chunk carries them). */
export interface StoredPage {
  file_path: string;
  url?: string;
  title?: string;
}

export interface StoreInfo {
  /** "qdrant" or "pgvector". */
  kind: string;
  collection: string;
  exists: boolean;
  pointCount: number;
  /** Vector size the collection was created with; null when it does not exist. */
  vectorSize: number | null;
  /** Embedding model of the stored points (from a sampled payload); null when unknown or empty. */
  embeddingModel: string | null;
}

/** Whether the store searches by words and vectors, or by vectors alone, and why. */
export interface SearchMode {
  hybrid: boolean;
  reason?: string;
  /** Indexes this start created (a collection filled before hybrid search had none). */
  created?: string[];
}

export interface VectorStore {
  readonly kind: string;
  readonly collection: string;
  /** host and port of a networked store, for messages about a connection that does not open. */
  readonly endpoint?: { host: string; port: number };
  /** Makes hybrid search possible where the store needs it (Qdrant's text indexes); says the mode. */
  prepareSearch?(): Promise<SearchMode>;
  /** The search mode in force, once known. */
  searchMode?(): SearchMode | undefined;
  /** Creates the collection (or table) for vectors of this size when it does not exist. */
  ensureCollection(vectorSize: number): Promise<void>;
  /** The nearest chunks by vector alone. */
  search(vector: number[], limit: number, signal?: AbortSignal): Promise<SearchHit[]>;
  /**
   * Nearest by vector and best by words, fused by reciprocal rank: the order is the fusion's,
   * each hit's score still the cosine similarity (what sources show as `similarity`).
   */
  hybridSearch(query: SearchQuery, limit: number, signal?: AbortSignal): Promise<SearchHit[]>;
  upsert(points: ChunkPoint[]): Promise<void>;
  deletePoints(ids: string[]): Promise<void>;
  /** Every page the store holds, by file path. */
  listPages(): Promise<StoredPage[]>;
  /** A page's chunks in the page's order; empty when the store holds no such page. */
  pageChunks(filePath: string, signal?: AbortSignal): Promise<ChunkPayload[]>;
  /** Every stored point's id with its file path and content hash, for ingest's diff (no vectors). */
  listPoints(): Promise<Array<{ id: string; file_path: string; content_hash: string | null }>>;
  info(): Promise<StoreInfo>;
}
