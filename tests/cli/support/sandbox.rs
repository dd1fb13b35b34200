//! The Halo sandbox on its own runtime, alive while the test runs relay processes.

use relay_halo_sandbox::{Sandbox, SandboxConfig};

pub struct TestSandbox {
    pub sandbox: Sandbox,
    // Dropped after the sandbox: the server's tasks live on it.
    _runtime: tokio::runtime::Runtime,
}

impl TestSandbox {
    pub fn start(config: SandboxConfig) -> TestSandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = runtime
            .block_on(Sandbox::start(config))
            .expect("start sandbox");
        TestSandbox {
            sandbox,
            _runtime: runtime,
        }
    }

    pub fn default_config() -> SandboxConfig {
        SandboxConfig::default()
    }

    /// `127.0.0.1:PORT`, for allowed_hosts.
    pub fn host(&self) -> String {
        self.sandbox.addr().to_string()
    }

    pub fn url(&self) -> String {
        self.sandbox.base_url()
    }
}

impl std::ops::Deref for TestSandbox {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.sandbox
    }
}
