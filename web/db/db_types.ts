/** The query-module connection type: the pool or a transaction (postgres.js types them separately). */
import type { Sql, TransactionSql } from "postgres";

/** A pool (`Sql`) or the `sql` of a `sql.begin()` transaction; query modules accept either. */
export type Db = Sql | TransactionSql;
