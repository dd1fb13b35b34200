//! `--serve`: the scenarios' files and a running sandbox, for measuring by hand (perf,
//! valgrind, hyperfine). Prints the commands, then waits until the process is killed.

use relay_benches::e2e::options::Options;
use relay_benches::items::{ITEM_BYTES, write_items};
use relay_benches::workflows::{
    ImplodeCheck, chain_workflow, explode_workflow, requests_workflow, single_request_workflow,
};

use crate::setup::Bench;

pub fn serve(mut bench: Bench, o: &Options) -> Result<(), String> {
    let dir = bench.keep_dir();
    bench.write("requests_sequential.yaml", &requests_workflow(1))?;
    bench.write("requests_fan_out.yaml", &requests_workflow(o.fan_out))?;
    bench.write("single_request.yaml", &single_request_workflow())?;
    bench.write("chain.yaml", &chain_workflow(o.validate_actions))?;
    bench.write(
        "explode.yaml",
        &explode_workflow(o.items, ImplodeCheck::EmitWhenWrong),
    )?;
    let items = dir.join("items.json");
    let file = std::fs::File::create(&items)
        .map_err(|e| format!("cannot create {}: {e}", items.display()))?;
    let mut out = std::io::BufWriter::new(file);
    write_items(&mut out, o.items, ITEM_BYTES)
        .map_err(|e| format!("cannot write {}: {e}", items.display()))?;
    drop(out);
    let relay = bench.relay.display();
    let k = o.requests;
    println!(
        "sandbox {} is up; files in {}",
        bench.sandbox.base_url(),
        dir.display()
    );
    println!(
        "cd {} && export HALO_ACCESS_TOKEN={} NO_COLOR=1",
        dir.display(),
        bench.token
    );
    println!(
        "{relay} run requests_sequential.yaml --input '{{\"k\": {k}}}' --output json >/dev/null"
    );
    println!("{relay} run requests_fan_out.yaml --input '{{\"k\": {k}}}' --output json >/dev/null");
    println!("{relay} run single_request.yaml --output json");
    println!("{relay} validate chain.yaml");
    println!("{relay} run explode.yaml --input @items.json --output json 2>/dev/null");
    println!(
        "{} --baseline {} {k} 1",
        bench.me.display(),
        bench.tickets_url()
    );
    println!("(interrupt or kill this process to stop the sandbox; the directory stays)");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
