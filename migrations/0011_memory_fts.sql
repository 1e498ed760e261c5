-- Full-text search over memories (FTS5, BM25 ranking). drizzle-kit does not model virtual
-- tables or triggers, so this migration is written by hand. `porter` stems English words
-- (a query for "cookies" finds "cookie"); `extra` holds the metadata's text values.
CREATE VIRTUAL TABLE `memory_search` USING fts5(`memory_id` UNINDEXED, `content`, `extra`, tokenize = 'porter unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `memories_search_insert` AFTER INSERT ON `memories` BEGIN
  INSERT INTO `memory_search` (`memory_id`, `content`, `extra`)
  VALUES (new.`id`, new.`content`, (SELECT group_concat(`value`, ' ') FROM json_each(new.`metadata`) WHERE `type` = 'text'));
END;
--> statement-breakpoint
CREATE TRIGGER `memories_search_update` AFTER UPDATE OF `content`, `metadata` ON `memories` BEGIN
  DELETE FROM `memory_search` WHERE `memory_id` = old.`id`;
  INSERT INTO `memory_search` (`memory_id`, `content`, `extra`)
  VALUES (new.`id`, new.`content`, (SELECT group_concat(`value`, ' ') FROM json_each(new.`metadata`) WHERE `type` = 'text'));
END;
--> statement-breakpoint
CREATE TRIGGER `memories_search_delete` AFTER DELETE ON `memories` BEGIN
  DELETE FROM `memory_search` WHERE `memory_id` = old.`id`;
END;
