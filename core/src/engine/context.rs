//! What an action execution can see: the run it belongs to, its own identity, per-run state.

use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard};

use minijinja::Value;

use crate::event::Event;
use crate::formula::{FormulaError, Scope};
use crate::plan::Plan;

use super::observer::Observer;
use super::services::Services;

/// Shared by every execution of one run.
pub struct RunContext {
    pub run_id: String,
    pub plan: Arc<Plan>,
    pub services: Arc<Services>,
    pub observer: Arc<dyn Observer>,
    /// `--dry-run`: render requests, send nothing, resolve no credential.
    pub dry_run: bool,
    /// `META` per action (workflow, run, action), built once per run.
    metas: Vec<Value>,
    /// Per-action state that lives for one run (implode's groups).
    states: Vec<Mutex<Option<Box<dyn Any + Send>>>>,
}

impl RunContext {
    pub fn new(
        run_id: String,
        plan: Arc<Plan>,
        services: Arc<Services>,
        observer: Arc<dyn Observer>,
        dry_run: bool,
        trigger: &str,
        started_at: &str,
    ) -> RunContext {
        let metas = plan
            .actions
            .iter()
            .map(|a| {
                Value::from_pairs([
                    (
                        "workflow",
                        Value::from_pairs([
                            ("name", Value::from(plan.name.as_str())),
                            ("file", Value::from(plan.file.display().to_string())),
                        ]),
                    ),
                    (
                        "run",
                        Value::from_pairs([
                            ("id", Value::from(run_id.as_str())),
                            ("started_at", Value::from(started_at)),
                            ("trigger", Value::from(trigger)),
                        ]),
                    ),
                    (
                        "action",
                        Value::from_pairs([
                            ("name", Value::from(a.name.as_str())),
                            ("slug", Value::from(a.slug.as_ref())),
                        ]),
                    ),
                ])
            })
            .collect();
        let states = plan.actions.iter().map(|_| Mutex::new(None)).collect();
        RunContext {
            run_id,
            plan,
            services,
            observer,
            dry_run,
            metas,
            states,
        }
    }

    pub fn action(&self, index: usize) -> ActionContext<'_> {
        ActionContext { run: self, index }
    }
}

/// One action within a run.
pub struct ActionContext<'a> {
    pub run: &'a RunContext,
    pub index: usize,
}

impl ActionContext<'_> {
    pub fn slug(&self) -> &Arc<str> {
        &self.run.plan.actions[self.index].slug
    }

    pub fn name(&self) -> &str {
        &self.run.plan.actions[self.index].name
    }

    pub fn services(&self) -> &Services {
        &self.run.services
    }

    /// The scope for rendering this action's options for `event`: roots, resources, META, and
    /// `LOCAL` (the action's `local` values, rendered first). Credentials are added by the
    /// actions that may use them.
    pub fn scope(&self, event: &Event) -> Result<Scope, FormulaError> {
        let plan = &self.run.plan;
        let mut scope = Scope {
            event: Some(event.clone()),
            resources: plan.resources.clone(),
            credentials: Value::UNDEFINED,
            local: Value::UNDEFINED,
            meta: self.run.metas[self.index].clone(),
            info: plan.info.clone(),
            extra: Vec::new(),
        };
        if let Some(local) = &plan.actions[self.index].local {
            scope.local = local.render(&scope).map_err(|e| e.within("local"))?;
        }
        Ok(scope)
    }

    /// This action's state for the current run, created on first use.
    pub fn state<T: Default + Send + 'static>(&self) -> StateGuard<'_, T> {
        let mut guard = self.run.states[self.index]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !guard.as_ref().is_some_and(|b| b.is::<T>()) {
            *guard = Some(Box::new(T::default()));
        }
        StateGuard {
            guard,
            _marker: std::marker::PhantomData,
        }
    }
}

/// Locked access to an action's per-run state.
pub struct StateGuard<'a, T> {
    guard: MutexGuard<'a, Option<Box<dyn Any + Send>>>,
    _marker: std::marker::PhantomData<T>,
}

impl<T: 'static> std::ops::Deref for StateGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard
            .as_ref()
            .and_then(|b| b.downcast_ref::<T>())
            .expect("state was initialised with this type")
    }
}

impl<T: 'static> std::ops::DerefMut for StateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard
            .as_mut()
            .and_then(|b| b.downcast_mut::<T>())
            .expect("state was initialised with this type")
    }
}
