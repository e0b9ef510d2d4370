//! One query API over both stores: SQLite, the embedded default (one file on one machine),
//! and PostgreSQL, which several instances share behind a load balancer.
//!
//! A query is written once, with `$1, $2, …` placeholders, in SQL both understand; where no
//! such SQL exists (claiming rows with `FOR UPDATE SKIP LOCKED`, say) `Db::kind` picks the
//! string. Values are bound as `Arg`s, the types both stores hold alike (integers, reals,
//! booleans, text, bytes), and rows are decoded by each driver's own types, so a column is
//! read as exactly what that store keeps. This is not sqlx's `Any` driver on purpose: that
//! one refuses SQLite's BOOLEAN columns and converts every row it reads.

use sqlx::{
    pool::PoolConnection,
    postgres::{PgConnection, PgPool, PgRow, Postgres},
    sqlite::{Sqlite, SqliteConnection, SqlitePool, SqliteRow},
    Decode, FromRow, Transaction, Type,
};
use std::{borrow::Cow, fmt::Display, marker::PhantomData};

/// Which store a `Db` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// The store's connection pool.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction; dropped without `commit`, it rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A connection taken from the pool for a while.
pub enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A connection lent to one call (from a transaction or a pooled connection).
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Db {
    pub fn kind(&self) -> Kind {
        match self {
            Db::Sqlite(_) => Kind::Sqlite,
            Db::Postgres(_) => Kind::Postgres,
        }
    }

    /// The SQLite pool, for what only SQLite has (its file, online copies).
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Db::Sqlite(pool) => Some(pool),
            Db::Postgres(_) => None,
        }
    }

    /// Begins a transaction that reads first and may write later.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Begins a transaction that writes. SQLite's default (deferred) transaction cannot
    /// become a writer once another connection committed meanwhile: it fails at once,
    /// whatever the busy timeout. Taking the write lock first makes it wait its turn
    /// instead. PostgreSQL locks rows as they are written and needs nothing special.
    pub async fn write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn acquire(&self) -> Result<Pooled, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Pooled::Sqlite(pool.acquire().await?),
            Db::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
            Tx::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// Makes the transactions that name `topic` run one after another up to their commit,
    /// for the writes that first read what they decide on (a forwarding loop check, "unless
    /// it is the last route", "unless a link was sent a minute ago"), which several
    /// instances could otherwise each decide on the same old rows. SQLite's write
    /// transactions run one at a time already (`Db::write`); on PostgreSQL this takes a
    /// transaction-scoped advisory lock keyed by a hash of `topic`, and the statements after
    /// it see what the transaction before committed.
    pub async fn serialize(&mut self, topic: &str) -> Result<(), sqlx::Error> {
        use sha2::{Digest, Sha256};
        if let Tx::Postgres(tx) = self {
            let hash = Sha256::digest(topic.as_bytes());
            let key = i64::from_be_bytes(hash[..8].try_into().expect("8 bytes"));
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(key)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }
}

impl Pooled {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(c),
            Pooled::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Conn<'_> {
    /// The same connection for one more call.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// Where a query runs: the pool (any free connection) or one connection.
pub enum Exec<'e> {
    Db(&'e Db),
    Conn(Conn<'e>),
}

impl<'e> From<&'e Db> for Exec<'e> {
    fn from(db: &'e Db) -> Self {
        Exec::Db(db)
    }
}

impl<'e> From<Conn<'e>> for Exec<'e> {
    fn from(conn: Conn<'e>) -> Self {
        Exec::Conn(conn)
    }
}

impl<'e, 'c> From<&'e mut Conn<'c>> for Exec<'e> {
    fn from(conn: &'e mut Conn<'c>) -> Self {
        Exec::Conn(conn.reborrow())
    }
}

impl<'e> From<&'e mut Tx> for Exec<'e> {
    fn from(tx: &'e mut Tx) -> Self {
        Exec::Conn(tx.conn())
    }
}

impl<'e> From<&'e mut Pooled> for Exec<'e> {
    fn from(conn: &'e mut Pooled) -> Self {
        Exec::Conn(conn.conn())
    }
}

/// A bound value: what both stores hold alike.
#[derive(Debug, Clone)]
pub enum Arg<'q> {
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Text(Option<Cow<'q, str>>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($variant:ident: $($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl<'q> From<$t> for Arg<'q> {
            fn from($v: $t) -> Self {
                Arg::$variant($e)
            }
        })*
    };
}

arg_from!(Int:
    i64 => |v| Some(v),
    Option<i64> => |v| v,
    &i64 => |v| Some(*v),
    &Option<i64> => |v| *v,
    i32 => |v| Some(i64::from(v)),
    u32 => |v| Some(i64::from(v)),
    u16 => |v| Some(i64::from(v)),
    u8 => |v| Some(i64::from(v)),
    Option<u32> => |v| v.map(i64::from),
);
arg_from!(Real:
    f64 => |v| Some(v),
    Option<f64> => |v| v,
    &f64 => |v| Some(*v),
);
arg_from!(Bool:
    bool => |v| Some(v),
    Option<bool> => |v| v,
    &bool => |v| Some(*v),
);
arg_from!(Text:
    String => |v| Some(Cow::Owned(v)),
    Option<String> => |v| v.map(Cow::Owned),
    &'q str => |v| Some(Cow::Borrowed(v)),
    &'q String => |v| Some(Cow::Borrowed(v.as_str())),
    Option<&'q str> => |v| v.map(Cow::Borrowed),
    &'q Option<String> => |v| v.as_deref().map(Cow::Borrowed),
    Option<&'q String> => |v| v.map(|s| Cow::Borrowed(s.as_str())),
    Cow<'q, str> => |v| Some(v),
);
// Bytes are few and small here (sealed secrets, passkey state): copied, as neither driver
// binds a borrowed slice through `Cow`.
arg_from!(Bytes:
    Vec<u8> => |v| Some(v),
    Option<Vec<u8>> => |v| v,
    &'q [u8] => |v| Some(v.to_vec()),
    &'q Vec<u8> => |v| Some(v.clone()),
);

/// A row type both drivers decode (`#[derive(sqlx::FromRow)]`, or a tuple).
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A single value both drivers decode.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

/// What a statement changed.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A statement whose rows are not read.
#[derive(Debug, Clone)]
pub struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Arg<'q>>,
}

/// Rows decoded as `T`.
pub struct QueryAs<'q, T> {
    query: Query<'q>,
    row: PhantomData<fn() -> T>,
}

/// The first column decoded as `T`.
pub struct QueryScalar<'q, T> {
    query: Query<'q>,
    value: PhantomData<fn() -> T>,
}

pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql: Cow::Borrowed(sql),
        args: Vec::new(),
    }
}

pub fn query_as<T: Record>(sql: &str) -> QueryAs<'_, T> {
    QueryAs {
        query: query(sql),
        row: PhantomData,
    }
}

pub fn query_scalar<T: Scalar>(sql: &str) -> QueryScalar<'_, T> {
    QueryScalar {
        query: query(sql),
        value: PhantomData,
    }
}

/// Binds `$args` in order to the sqlx query `$q`, text passed through `$text`.
macro_rules! bind_all {
    ($q:expr, $args:expr, $text:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                Arg::Int(v) => q.bind(v),
                Arg::Real(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Text(v) => q.bind(v.map($text)),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// SQLite keeps text as given.
fn as_given(text: Cow<'_, str>) -> Cow<'_, str> {
    text
}

/// PostgreSQL's text cannot hold U+0000, which mail and forms may carry (a subject's
/// encoded word, a typed address): it becomes U+FFFD rather than failing the whole write.
fn without_nul(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        text
    }
}

/// Runs `$method` of the sqlx query made by `$make::<DB, …>` on whichever store `$on` is.
macro_rules! run {
    ($on:expr, $query:expr, |$db:ident| $make:expr, $method:ident) => {{
        let Query { sql, args } = $query;
        match $on.into() {
            Exec::Db(Db::Sqlite(pool)) => {
                type $db = Sqlite;
                bind_all!($make(&sql), args, as_given).$method(pool).await
            }
            Exec::Db(Db::Postgres(pool)) => {
                type $db = Postgres;
                bind_all!($make(&sql), args, without_nul)
                    .$method(pool)
                    .await
            }
            Exec::Conn(Conn::Sqlite(conn)) => {
                type $db = Sqlite;
                bind_all!($make(&sql), args, as_given)
                    .$method(&mut *conn)
                    .await
            }
            Exec::Conn(Conn::Postgres(conn)) => {
                type $db = Postgres;
                bind_all!($make(&sql), args, without_nul)
                    .$method(&mut *conn)
                    .await
            }
        }
    }};
}

impl<'q> Query<'q> {
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    pub async fn execute<'e>(self, on: impl Into<Exec<'e>>) -> Result<Done, sqlx::Error> {
        let on: Exec<'e> = on.into();
        let Query { sql, args } = self;
        let rows_affected = match on {
            Exec::Db(Db::Sqlite(pool)) => bind_all!(sqlx::query::<Sqlite>(&sql), args, as_given)
                .execute(pool)
                .await?
                .rows_affected(),
            Exec::Db(Db::Postgres(pool)) => {
                bind_all!(sqlx::query::<Postgres>(&sql), args, without_nul)
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
            Exec::Conn(Conn::Sqlite(conn)) => {
                bind_all!(sqlx::query::<Sqlite>(&sql), args, as_given)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            }
            Exec::Conn(Conn::Postgres(conn)) => {
                bind_all!(sqlx::query::<Postgres>(&sql), args, without_nul)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            }
        };
        Ok(Done { rows_affected })
    }
}

impl<'q, T: Record> QueryAs<'q, T> {
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub async fn fetch_all<'e>(self, on: impl Into<Exec<'e>>) -> Result<Vec<T>, sqlx::Error> {
        run!(on, self.query, |D| sqlx::query_as::<D, T>, fetch_all)
    }

    pub async fn fetch_one<'e>(self, on: impl Into<Exec<'e>>) -> Result<T, sqlx::Error> {
        run!(on, self.query, |D| sqlx::query_as::<D, T>, fetch_one)
    }

    pub async fn fetch_optional<'e>(
        self,
        on: impl Into<Exec<'e>>,
    ) -> Result<Option<T>, sqlx::Error> {
        run!(on, self.query, |D| sqlx::query_as::<D, T>, fetch_optional)
    }
}

impl<'q, T: Scalar> QueryScalar<'q, T> {
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub async fn fetch_all<'e>(self, on: impl Into<Exec<'e>>) -> Result<Vec<T>, sqlx::Error> {
        run!(on, self.query, |D| sqlx::query_scalar::<D, T>, fetch_all)
    }

    pub async fn fetch_one<'e>(self, on: impl Into<Exec<'e>>) -> Result<T, sqlx::Error> {
        run!(on, self.query, |D| sqlx::query_scalar::<D, T>, fetch_one)
    }

    pub async fn fetch_optional<'e>(
        self,
        on: impl Into<Exec<'e>>,
    ) -> Result<Option<T>, sqlx::Error> {
        run!(
            on,
            self.query,
            |D| sqlx::query_scalar::<D, T>,
            fetch_optional
        )
    }
}

/// SQL put together at run time (search filters, `IN (…)` lists), with its values bound
/// as `$n` in the order they are pushed.
#[derive(Debug, Clone)]
pub struct Builder<'q> {
    sql: String,
    args: Vec<Arg<'q>>,
}

impl<'q> Builder<'q> {
    pub fn new(init: impl Into<String>) -> Self {
        Builder {
            sql: init.into(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        use std::fmt::Write;
        write!(self.sql, "{sql}").ok();
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind(&mut self, value: impl Into<Arg<'q>>) -> &mut Self {
        self.args.push(value.into());
        let n = self.args.len();
        self.push(format_args!("${n}"))
    }

    /// Pushes items with `separator` between them: `a, b, c`.
    pub fn separated<'b>(&'b mut self, separator: &'static str) -> Separated<'b, 'q> {
        Separated {
            builder: self,
            separator,
            first: true,
        }
    }

    /// `VALUES (…), (…)`: one parenthesised row per item, `row` pushing its values.
    pub fn push_values<I, F>(&mut self, items: I, mut row: F) -> &mut Self
    where
        I: IntoIterator,
        F: FnMut(Separated<'_, 'q>, I::Item),
    {
        self.push("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push("(");
            row(self.separated(", "), item);
            self.push(")");
        }
        self
    }

    /// `(NULL, $a, $b, …)`: the ids as a list for `IN`. The leading NULL matches nothing
    /// and keeps an empty list legal (PostgreSQL refuses `IN ()`).
    pub fn push_ids(&mut self, ids: &[i64]) -> &mut Self {
        self.push("(NULL");
        for id in ids {
            self.push(", ").push_bind(*id);
        }
        self.push(")")
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub fn build(&self) -> Query<'q> {
        Query {
            sql: Cow::Owned(self.sql.clone()),
            args: self.args.clone(),
        }
    }

    pub fn build_query_as<T: Record>(&self) -> QueryAs<'q, T> {
        QueryAs {
            query: self.build(),
            row: PhantomData,
        }
    }

    pub fn build_query_scalar<T: Scalar>(&self) -> QueryScalar<'q, T> {
        QueryScalar {
            query: self.build(),
            value: PhantomData,
        }
    }
}

pub struct Separated<'b, 'q> {
    builder: &'b mut Builder<'q>,
    separator: &'static str,
    first: bool,
}

impl<'q> Separated<'_, 'q> {
    fn separate(&mut self) {
        if !self.first {
            self.builder.push(self.separator);
        }
        self.first = false;
    }

    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        self.separate();
        self.builder.push(sql);
        self
    }

    pub fn push_bind(&mut self, value: impl Into<Arg<'q>>) -> &mut Self {
        self.separate();
        self.builder.push_bind(value);
        self
    }

    pub fn push_unseparated(&mut self, sql: impl Display) -> &mut Self {
        self.builder.push(sql);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migrated store of each kind (the SQLite one in a directory kept with it).
    async fn both() -> Vec<(Db, Option<tempfile::TempDir>)> {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = super::super::open(dir.path()).await.unwrap();
        let url = super::super::test_postgres::database_url().await;
        let postgres = super::super::connect(&super::super::Location::Postgres(url))
            .await
            .unwrap();
        vec![(sqlite, Some(dir)), (postgres, None)]
    }

    #[derive(Debug, PartialEq, sqlx::FromRow)]
    struct Account {
        email: String,
        domain_id: Option<i64>,
        recovery_email: Option<String>,
        enabled: bool,
    }

    /// Checks that read and then write take turns: of sixteen "add a domain unless the
    /// store has one" run at once, one adds. (Without `serialize`, PostgreSQL's READ
    /// COMMITTED lets each see none and add.)
    #[tokio::test]
    async fn transactions_on_one_topic_take_turns() {
        for (db, _dir) in both().await {
            let kind = db.kind();
            let attempts: Vec<_> = (0..16)
                .map(|i| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        let mut tx = db.write().await.unwrap();
                        tx.serialize("the only domain").await.unwrap();
                        let n: i64 = query_scalar("SELECT COUNT(*) FROM domains")
                            .fetch_one(&mut tx)
                            .await
                            .unwrap();
                        // Give the others time to read what this one has not written yet.
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        if n == 0 {
                            query("INSERT INTO domains (name, created_at) VALUES ($1, 1)")
                                .bind(format!("d{i}.test"))
                                .execute(&mut tx)
                                .await
                                .unwrap();
                        }
                        tx.commit().await.unwrap();
                    })
                })
                .collect();
            for a in attempts {
                a.await.unwrap();
            }
            let n: i64 = query_scalar("SELECT COUNT(*) FROM domains")
                .fetch_one(&db)
                .await
                .unwrap();
            assert_eq!(n, 1, "{kind:?}");
        }
    }

    #[tokio::test]
    async fn one_query_runs_on_sqlite_and_postgresql_alike() {
        for (db, _dir) in both().await {
            let kind = db.kind();
            let domain: i64 =
                query_scalar("INSERT INTO domains (name, created_at) VALUES ($1, $2) RETURNING id")
                    .bind("example.test")
                    .bind(1_000_i64)
                    .fetch_one(&db)
                    .await
                    .unwrap();
            let mut tx = db.write().await.unwrap();
            for (email, enabled) in [("a@example.test", true), ("b@example.test", false)] {
                let done = query(
                    "INSERT INTO accounts (email, role, domain_id, password_hash, \
                     password_changed_at, enabled, created_at) \
                     VALUES ($1, 'mailuser', $2, 'x', $3, $4, $3)",
                )
                .bind(email)
                .bind(Some(domain))
                .bind(1_000_i64)
                .bind(enabled)
                .execute(&mut tx)
                .await
                .unwrap();
                assert_eq!(done.rows_affected(), 1, "{kind:?}");
            }
            tx.commit().await.unwrap();

            // A transaction dropped uncommitted leaves nothing behind.
            let mut tx = db.begin().await.unwrap();
            query("DELETE FROM accounts")
                .execute(&mut tx)
                .await
                .unwrap();
            drop(tx);

            let rows: Vec<Account> = query_as(
                "SELECT email, domain_id, recovery_email, enabled FROM accounts ORDER BY email",
            )
            .fetch_all(&db)
            .await
            .unwrap();
            assert_eq!(
                rows,
                [
                    Account {
                        email: "a@example.test".into(),
                        domain_id: Some(domain),
                        recovery_email: None,
                        enabled: true,
                    },
                    Account {
                        email: "b@example.test".into(),
                        domain_id: Some(domain),
                        recovery_email: None,
                        enabled: false,
                    },
                ],
                "{kind:?}"
            );
            let enabled: Vec<String> =
                query_scalar("SELECT email FROM accounts WHERE enabled ORDER BY email")
                    .fetch_all(&db)
                    .await
                    .unwrap();
            assert_eq!(enabled, ["a@example.test"], "{kind:?}");

            // Built SQL numbers its placeholders in the order values are pushed.
            let mut b = Builder::new("SELECT COUNT(*) FROM accounts WHERE domain_id = ");
            b.push_bind(domain).push(" AND email IN (");
            let mut list = b.separated(", ");
            for email in ["a@example.test", "c@example.test"] {
                list.push_bind(email);
            }
            list.push_unseparated(")");
            assert_eq!(
                b.sql(),
                "SELECT COUNT(*) FROM accounts WHERE domain_id = $1 AND email IN ($2, $3)"
            );
            let found: i64 = b.build_query_scalar().fetch_one(&db).await.unwrap();
            assert_eq!(found, 1, "{kind:?}");

            // One pooled connection for several calls.
            let mut conn = db.acquire().await.unwrap();
            let none: Option<i64> = query_scalar("SELECT id FROM accounts WHERE email = $1")
                .bind(None::<&str>)
                .fetch_optional(&mut conn)
                .await
                .unwrap();
            assert_eq!(none, None, "{kind:?}");
            let mut lent = conn.conn();
            let max: Option<i64> = query_scalar("SELECT MAX(created_at) FROM accounts")
                .fetch_one(&mut lent)
                .await
                .unwrap();
            assert_eq!(max, Some(1_000), "{kind:?}");
            let e = query("INSERT INTO domains (name, created_at) VALUES ($1, 1)")
                .bind("example.test")
                .execute(lent)
                .await
                .unwrap_err();
            assert!(super::super::is_unique_violation(&e), "{kind:?}: {e}");
        }
    }
}
