//! Run history and the schedule fire ledger.

use std::time::SystemTime;

use sqlx::Row;

use super::backend::begin_write;
use super::clock::{from_millis, now_millis, to_millis};
use super::error::StoreError;
use super::store::Store;

/// A run as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub id: String,
    /// The workflow's key (its file path as the daemon was given it).
    pub workflow: String,
    pub workflow_name: String,
    /// `cli`, `schedule` or `webhook`.
    pub trigger: String,
    /// `running`, `succeeded`, `failed` or `interrupted`.
    pub state: String,
    pub started_at: SystemTime,
    pub ended_at: Option<SystemTime>,
    pub error: Option<String>,
    pub executions: i64,
    /// The schedule fire time this run serves.
    pub fire_time: Option<SystemTime>,
}

/// One action execution as recorded (texts already redacted by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRecord {
    pub seq: i64,
    pub action: String,
    pub status: String,
    pub duration_ms: i64,
    pub detail: Option<String>,
    pub error: Option<String>,
    /// A redacted, shortened JSON summary of the emitted result.
    pub result: Option<String>,
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FireRecord {
    pub workflow: String,
    pub schedule_index: i64,
    pub fire_time: SystemTime,
    /// `started`, `missed` or `skipped`.
    pub status: String,
    pub run_id: Option<String>,
    pub lateness_ms: Option<i64>,
}

/// A run about to start.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub id: &'a str,
    pub workflow: &'a str,
    pub workflow_name: &'a str,
    pub trigger: &'a str,
    pub fire_time: Option<SystemTime>,
}

impl Store {
    /// Claims `(workflow, schedule_index, fire_time)` in the ledger with `status`, and when
    /// `run` is given records the run as `running`, in one transaction. Returns false (and
    /// writes nothing) when that fire time was already recorded, by this or another process.
    pub async fn claim_fire(
        &self,
        workflow: &str,
        schedule_index: usize,
        fire_time: SystemTime,
        status: &str,
        lateness_ms: Option<i64>,
        run: Option<&NewRun<'_>>,
    ) -> Result<bool, StoreError> {
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("claiming a fire time", e))?;
        let inserted = sqlx::query(
            "INSERT INTO schedule_fires (workflow, schedule_index, fire_time, status, run_id, lateness_ms, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(workflow)
        .bind(schedule_index as i64)
        .bind(to_millis(fire_time))
        .bind(status)
        .bind(run.map(|r| r.id))
        .bind(lateness_ms)
        .bind(now_millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| inner.db("claiming a fire time", e))?
        .rows_affected()
            == 1;
        if !inserted {
            return Ok(false);
        }
        if let Some(run) = run {
            insert_run(&mut tx, run)
                .await
                .map_err(|e| inner.db("recording a run", e))?;
        }
        tx.commit()
            .await
            .map_err(|e| inner.db("claiming a fire time", e))?;
        Ok(true)
    }

    /// [`Store::claim_fire`] for many fire times in one transaction (one commit, one fsync),
    /// for the daemon's bursts of fires due at the same instant. Each claim is a ledger row
    /// (`run_id` is taken from the run when one is given) and, when given, the run to record
    /// as `running`. Returns, per claim, whether it was inserted (false: already recorded).
    pub async fn claim_fires(
        &self,
        claims: &[(FireRecord, Option<NewRun<'_>>)],
    ) -> Result<Vec<bool>, StoreError> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("claiming fire times", e))?;
        let recorded_at = now_millis();
        let mut inserted = Vec::with_capacity(claims.len());
        for (fire, run) in claims {
            let ok = sqlx::query(
                "INSERT INTO schedule_fires (workflow, schedule_index, fire_time, status, run_id, lateness_ms, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(&fire.workflow)
            .bind(fire.schedule_index)
            .bind(to_millis(fire.fire_time))
            .bind(&fire.status)
            .bind(run.as_ref().map(|r| r.id))
            .bind(fire.lateness_ms)
            .bind(recorded_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| inner.db("claiming fire times", e))?
            .rows_affected()
                == 1;
            if ok {
                if let Some(run) = run {
                    insert_run(&mut tx, run)
                        .await
                        .map_err(|e| inner.db("recording a run", e))?;
                }
            }
            inserted.push(ok);
        }
        tx.commit()
            .await
            .map_err(|e| inner.db("claiming fire times", e))?;
        Ok(inserted)
    }

    /// Records the end of many runs in one transaction: each run's executions (texts already
    /// redacted) and its final state, error and execution count. Each item is
    /// `(run id, state, error, executions count, executions)`.
    pub async fn finish_runs(
        &self,
        runs: &[(&str, &str, Option<&str>, i64, &[ExecutionRecord])],
    ) -> Result<(), StoreError> {
        if runs.is_empty() {
            return Ok(());
        }
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("finishing runs", e))?;
        let ended_at = now_millis();
        for (run_id, state, error, count, executions) in runs {
            for e in executions.iter() {
                insert_execution(&mut tx, run_id, e)
                    .await
                    .map_err(|err| inner.db("recording executions", err))?;
            }
            sqlx::query("UPDATE runs SET state = $1, error = $2, executions = $3, ended_at = $4 WHERE id = $5")
                .bind(state)
                .bind(error)
                .bind(count)
                .bind(ended_at)
                .bind(run_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| inner.db("finishing runs", e))?;
        }
        tx.commit().await.map_err(|e| inner.db("finishing runs", e))
    }

    /// The newest fire time recorded for a schedule (whatever its status).
    pub async fn last_fire(
        &self,
        workflow: &str,
        schedule_index: usize,
    ) -> Result<Option<SystemTime>, StoreError> {
        let inner = self.inner();
        let mut conn = inner.acquire().await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(fire_time) FROM schedule_fires WHERE workflow = $1 AND schedule_index = $2",
        )
        .bind(workflow)
        .bind(schedule_index as i64)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| inner.db("reading the fire ledger", e))?;
        Ok(last.map(from_millis))
    }

    /// The ledger of one workflow, oldest first.
    pub async fn fires(&self, workflow: &str) -> Result<Vec<FireRecord>, StoreError> {
        let inner = self.inner();
        let mut conn = inner.acquire().await?;
        let rows = sqlx::query(
            "SELECT workflow, schedule_index, fire_time, status, run_id, lateness_ms FROM schedule_fires
             WHERE workflow = $1 ORDER BY fire_time, schedule_index",
        )
        .bind(workflow)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| inner.db("reading the fire ledger", e))?;
        Ok(rows
            .iter()
            .map(|r| FireRecord {
                workflow: r.get(0),
                schedule_index: r.get(1),
                fire_time: from_millis(r.get(2)),
                status: r.get(3),
                run_id: r.get(4),
                lateness_ms: r.get(5),
            })
            .collect())
    }

    /// Records a run that was not claimed through the ledger (a `relay run`, a webhook).
    pub async fn start_run(&self, run: &NewRun<'_>) -> Result<(), StoreError> {
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("recording a run", e))?;
        insert_run(&mut tx, run)
            .await
            .map_err(|e| inner.db("recording a run", e))?;
        tx.commit()
            .await
            .map_err(|e| inner.db("recording a run", e))
    }

    /// Appends action executions to a run's history.
    pub async fn record_executions(
        &self,
        run_id: &str,
        executions: &[ExecutionRecord],
    ) -> Result<(), StoreError> {
        if executions.is_empty() {
            return Ok(());
        }
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("recording executions", e))?;
        for e in executions {
            insert_execution(&mut tx, run_id, e)
                .await
                .map_err(|err| inner.db("recording executions", err))?;
        }
        tx.commit()
            .await
            .map_err(|e| inner.db("recording executions", e))
    }

    /// Marks a run finished.
    pub async fn finish_run(
        &self,
        run_id: &str,
        state: &str,
        error: Option<&str>,
        executions: i64,
    ) -> Result<(), StoreError> {
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("finishing a run", e))?;
        sqlx::query(
            "UPDATE runs SET state = $1, error = $2, executions = $3, ended_at = $4 WHERE id = $5",
        )
        .bind(state)
        .bind(error)
        .bind(executions)
        .bind(now_millis())
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| inner.db("finishing a run", e))?;
        tx.commit()
            .await
            .map_err(|e| inner.db("finishing a run", e))
    }

    /// Marks as `interrupted` every run still `running` whose process is gone (after a crash),
    /// returning how many. Runs of another live daemon sharing the store are left alone.
    pub async fn interrupt_running(&self, reason: &str) -> Result<u64, StoreError> {
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("marking interrupted runs", e))?;
        let running: Vec<(String, Option<String>)> =
            sqlx::query("SELECT id, holder FROM runs WHERE state = 'running'")
                .fetch_all(&mut *tx)
                .await
                .map_err(|e| inner.db("marking interrupted runs", e))?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
        let mut n = 0;
        for (id, holder) in running {
            if !holder_is_gone(holder.as_deref()) {
                continue;
            }
            n += sqlx::query("UPDATE runs SET state = 'interrupted', error = $1, ended_at = $2 WHERE id = $3 AND state = 'running'")
                .bind(reason)
                .bind(now_millis())
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(|e| inner.db("marking interrupted runs", e))?
                .rows_affected();
        }
        tx.commit()
            .await
            .map_err(|e| inner.db("marking interrupted runs", e))?;
        Ok(n)
    }

    /// Forgets ledger rows of a schedule older than `before`, always keeping its newest row
    /// (catch-up starts from it). Returns how many were deleted.
    pub async fn prune_fires(
        &self,
        workflow: &str,
        schedule_index: usize,
        before: SystemTime,
    ) -> Result<u64, StoreError> {
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("pruning the fire ledger", e))?;
        let n = sqlx::query(
            "DELETE FROM schedule_fires WHERE workflow = $1 AND schedule_index = $2 AND fire_time < $3
             AND fire_time < (SELECT MAX(fire_time) FROM schedule_fires WHERE workflow = $1 AND schedule_index = $2)",
        )
        .bind(workflow)
        .bind(schedule_index as i64)
        .bind(to_millis(before))
        .execute(&mut *tx)
        .await
        .map_err(|e| inner.db("pruning the fire ledger", e))?
        .rows_affected();
        tx.commit()
            .await
            .map_err(|e| inner.db("pruning the fire ledger", e))?;
        Ok(n)
    }

    /// Runs, newest first, optionally of one workflow (key or name) and in one state.
    pub async fn list_runs(
        &self,
        workflow: Option<&str>,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let inner = self.inner();
        let mut conn = inner.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, workflow, workflow_name, trigger, state, started_at, ended_at, error, executions, fire_time FROM runs
             WHERE ($1 IS NULL OR workflow = $1 OR workflow_name = $1) AND ($2 IS NULL OR state = $2)
             ORDER BY started_at DESC, id DESC LIMIT $3",
        )
        .bind(workflow)
        .bind(state)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| inner.db("listing runs", e))?;
        Ok(rows.iter().map(run_record).collect())
    }

    /// One run.
    pub async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        let inner = self.inner();
        let mut conn = inner.acquire().await?;
        let row = sqlx::query(
            "SELECT id, workflow, workflow_name, trigger, state, started_at, ended_at, error, executions, fire_time FROM runs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| inner.db("reading a run", e))?;
        Ok(row.as_ref().map(run_record))
    }

    /// A run's executions, in the order they finished.
    pub async fn run_executions(&self, id: &str) -> Result<Vec<ExecutionRecord>, StoreError> {
        let inner = self.inner();
        let mut conn = inner.acquire().await?;
        let rows = sqlx::query("SELECT seq, action, status, duration_ms, detail, error, result FROM action_executions WHERE run_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| inner.db("reading executions", e))?;
        Ok(rows
            .iter()
            .map(|r| ExecutionRecord {
                seq: r.get(0),
                action: r.get(1),
                status: r.get(2),
                duration_ms: r.get(3),
                detail: r.get(4),
                error: r.get(5),
                result: r.get(6),
            })
            .collect())
    }

    /// Keeps the newest `keep` finished runs of `workflow` (and their executions), deleting
    /// older ones; returns how many were deleted.
    pub async fn prune_runs(&self, workflow: &str, keep: i64) -> Result<u64, StoreError> {
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("pruning runs", e))?;
        sqlx::query(
            "DELETE FROM action_executions WHERE run_id IN
             (SELECT id FROM runs WHERE workflow = $1 AND state <> 'running' ORDER BY started_at DESC, id DESC LIMIT -1 OFFSET $2)",
        )
            .bind(workflow)
            .bind(keep)
            .execute(&mut *tx)
            .await
            .map_err(|e| inner.db("pruning runs", e))?;
        let n = sqlx::query(
            "DELETE FROM runs WHERE id IN
             (SELECT id FROM runs WHERE workflow = $1 AND state <> 'running' ORDER BY started_at DESC, id DESC LIMIT -1 OFFSET $2)",
        )
            .bind(workflow)
            .bind(keep)
            .execute(&mut *tx)
            .await
            .map_err(|e| inner.db("pruning runs", e))?
            .rows_affected();
        tx.commit().await.map_err(|e| inner.db("pruning runs", e))?;
        Ok(n)
    }
}

/// Recording the same execution twice (a retried batch) keeps the first.
async fn insert_execution(
    tx: &mut super::backend::DbTx,
    run_id: &str,
    e: &ExecutionRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO action_executions (run_id, seq, action, status, duration_ms, detail, error, result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(run_id)
    .bind(e.seq)
    .bind(&e.action)
    .bind(&e.status)
    .bind(e.duration_ms)
    .bind(&e.detail)
    .bind(&e.error)
    .bind(&e.result)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_run(tx: &mut super::backend::DbTx, run: &NewRun<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO runs (id, workflow, workflow_name, trigger, state, started_at, fire_time, holder) VALUES ($1, $2, $3, $4, 'running', $5, $6, $7)",
    )
    .bind(run.id)
    .bind(run.workflow)
    .bind(run.workflow_name)
    .bind(run.trigger)
    .bind(now_millis())
    .bind(run.fire_time.map(to_millis))
    .bind(this_process())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// `host:pid` of this process, recorded as the holder of the runs it starts.
pub fn this_process() -> String {
    format!("{}:{}", host_name(), std::process::id())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// Whether the process `holder` names is certainly gone: on this host and no longer running.
/// A holder on another host cannot be checked here, so it is presumed alive.
fn holder_is_gone(holder: Option<&str>) -> bool {
    let Some((host, pid)) = holder.and_then(|h| h.rsplit_once(':')) else {
        return true;
    };
    if host != host_name() {
        return false;
    }
    match pid.parse::<u32>() {
        Ok(pid) if pid == std::process::id() => false,
        Ok(pid) => !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        Err(_) => true,
    }
}

fn run_record(r: &sqlx::sqlite::SqliteRow) -> RunRecord {
    RunRecord {
        id: r.get(0),
        workflow: r.get(1),
        workflow_name: r.get(2),
        trigger: r.get(3),
        state: r.get(4),
        started_at: from_millis(r.get(5)),
        ended_at: r.get::<Option<i64>, _>(6).map(from_millis),
        error: r.get(7),
        executions: r.get(8),
        fire_time: r.get::<Option<i64>, _>(9).map(from_millis),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::test_support::{open, temp_dir};
    use super::*;

    #[tokio::test]
    async fn a_fire_time_is_claimed_once_across_handles() {
        let dir = temp_dir();
        let (a, b) = (open(dir.path()).await, open(dir.path()).await);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let run = NewRun {
            id: "r1",
            workflow: "w.yaml",
            workflow_name: "W",
            trigger: "schedule",
            fire_time: Some(t),
        };
        assert!(
            a.claim_fire("w.yaml", 0, t, "started", Some(3), Some(&run))
                .await
                .unwrap()
        );
        let run2 = NewRun {
            id: "r2",
            ..run.clone()
        };
        assert!(
            !b.claim_fire("w.yaml", 0, t, "started", Some(3), Some(&run2))
                .await
                .unwrap()
        );
        assert!(
            b.run("r2").await.unwrap().is_none(),
            "a losing claim records no run"
        );
        assert!(
            b.claim_fire("w.yaml", 1, t, "missed", None, None)
                .await
                .unwrap(),
            "another schedule index is another fire"
        );
        assert_eq!(a.last_fire("w.yaml", 0).await.unwrap(), Some(t));
        assert_eq!(a.fires("w.yaml").await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn fire_times_are_claimed_in_batches_and_runs_finished_in_batches() {
        let dir = temp_dir();
        let (a, b) = (open(dir.path()).await, open(dir.path()).await);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let fire = |index: i64, status: &str| FireRecord {
            workflow: "w.yaml".into(),
            schedule_index: index,
            fire_time: t,
            status: status.into(),
            run_id: None,
            lateness_ms: Some(7),
        };
        let run = |id: &'static str| NewRun {
            id,
            workflow: "w.yaml",
            workflow_name: "W",
            trigger: "schedule",
            fire_time: Some(t),
        };
        assert!(
            a.claim_fire("w.yaml", 1, t, "started", None, Some(&run("r0")))
                .await
                .unwrap()
        );
        let claims = vec![
            (fire(0, "started"), Some(run("r1"))),
            (fire(1, "started"), Some(run("r2"))),
            (fire(2, "skipped"), None),
        ];
        assert_eq!(
            b.claim_fires(&claims).await.unwrap(),
            [true, false, true],
            "index 1 was claimed before"
        );
        assert!(
            a.run("r2").await.unwrap().is_none(),
            "a losing claim in a batch records no run"
        );
        assert_eq!(a.run("r1").await.unwrap().unwrap().state, "running");
        let fires = a.fires("w.yaml").await.unwrap();
        assert_eq!(
            fires
                .iter()
                .map(|f| (f.schedule_index, f.status.as_str(), f.run_id.as_deref()))
                .collect::<Vec<_>>(),
            [
                (0, "started", Some("r1")),
                (1, "started", Some("r0")),
                (2, "skipped", None)
            ]
        );
        assert_eq!(b.claim_fires(&[]).await.unwrap(), Vec::<bool>::new());

        let exec = ExecutionRecord {
            seq: 0,
            action: "a".into(),
            status: "ok".into(),
            duration_ms: 3,
            detail: None,
            error: None,
            result: Some("{}".into()),
        };
        let execs = [exec];
        b.finish_runs(&[
            ("r1", "succeeded", None, 1, &execs),
            ("r0", "interrupted", Some("stopped"), 0, &[]),
        ])
        .await
        .unwrap();
        let r1 = a.run("r1").await.unwrap().unwrap();
        assert_eq!(
            (r1.state.as_str(), r1.executions, r1.ended_at.is_some()),
            ("succeeded", 1, true)
        );
        assert_eq!(a.run_executions("r1").await.unwrap().len(), 1);
        let r0 = a.run("r0").await.unwrap().unwrap();
        assert_eq!(
            (r0.state.as_str(), r0.error.as_deref()),
            ("interrupted", Some("stopped"))
        );
    }

    #[tokio::test]
    async fn the_ledger_is_pruned_but_keeps_the_newest_fire() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s);
        for s in 0..5 {
            assert!(
                store
                    .claim_fire("w", 0, t(s), "missed", None, None)
                    .await
                    .unwrap()
            );
        }
        assert_eq!(store.prune_fires("w", 0, t(3)).await.unwrap(), 3);
        assert_eq!(store.fires("w").await.unwrap().len(), 2);
        assert_eq!(
            store.prune_fires("w", 0, t(100)).await.unwrap(),
            1,
            "the newest row stays"
        );
        assert_eq!(store.last_fire("w", 0).await.unwrap(), Some(t(4)));
    }

    #[tokio::test]
    async fn runs_record_finish_list_and_prune() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        for i in 0..5 {
            let id = format!("r{i}");
            store
                .start_run(&NewRun {
                    id: &id,
                    workflow: "w.yaml",
                    workflow_name: "W",
                    trigger: "cli",
                    fire_time: None,
                })
                .await
                .unwrap();
            store
                .record_executions(
                    &id,
                    &[ExecutionRecord {
                        seq: 0,
                        action: "a".into(),
                        status: "ok".into(),
                        duration_ms: 3,
                        detail: None,
                        error: None,
                        result: Some("{}".into()),
                    }],
                )
                .await
                .unwrap();
            store
                .finish_run(&id, if i == 4 { "failed" } else { "succeeded" }, None, 1)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let runs = store.list_runs(Some("W"), None, 10).await.unwrap();
        assert_eq!(
            runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["r4", "r3", "r2", "r1", "r0"]
        );
        assert_eq!(
            store
                .list_runs(None, Some("failed"), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(store.run_executions("r0").await.unwrap().len(), 1);
        assert_eq!(store.prune_runs("w.yaml", 2).await.unwrap(), 3);
        assert!(store.run("r0").await.unwrap().is_none());
        assert!(store.run_executions("r0").await.unwrap().is_empty());
        assert_eq!(store.list_runs(None, None, 10).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn running_runs_become_interrupted() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        store
            .start_run(&NewRun {
                id: "x",
                workflow: "w",
                workflow_name: "W",
                trigger: "schedule",
                fire_time: None,
            })
            .await
            .unwrap();
        assert_eq!(
            store.interrupt_running("the daemon stopped").await.unwrap(),
            0,
            "this process is alive: its run stays running"
        );
        let dead = format!("{}:{}", host_name(), u32::MAX - 7);
        let elsewhere = "some-other-host:1".to_owned();
        for (id, holder) in [("dead", &dead), ("elsewhere", &elsewhere)] {
            sqlx::query("INSERT INTO runs (id, workflow, workflow_name, trigger, state, started_at, holder) VALUES ($1, 'w', 'W', 'schedule', 'running', 0, $2)")
                .bind(id)
                .bind(holder)
                .execute(store.inner().pool())
                .await
                .unwrap();
        }
        assert_eq!(
            store.interrupt_running("the daemon stopped").await.unwrap(),
            1
        );
        assert_eq!(
            store.run("dead").await.unwrap().unwrap().state,
            "interrupted"
        );
        assert_eq!(
            store.run("elsewhere").await.unwrap().unwrap().state,
            "running"
        );
        assert_eq!(store.run("x").await.unwrap().unwrap().state, "running");
    }
}
