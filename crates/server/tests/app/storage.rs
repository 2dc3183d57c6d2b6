//! Files round-trip through the local folder and through a real S3-compatible server (moto's
//! S3 server, started here).

use bytes::Bytes;
use std::process::{Child, Command, Stdio};
use tinhso::config::{Config, StorageConfig};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn round_trip(config: &Config) {
    let store = tinhso::storage::open(config).unwrap();
    let content = Bytes::from("Giấy khai sinh — bản sao".as_bytes().to_vec());
    tinhso::storage::put(store.as_ref(), "dossiers/d1/f1.pdf", content.clone())
        .await
        .unwrap();
    assert_eq!(
        tinhso::storage::get(store.as_ref(), "dossiers/d1/f1.pdf")
            .await
            .unwrap(),
        Some(content)
    );
    assert_eq!(
        tinhso::storage::get(store.as_ref(), "dossiers/d1/none.pdf")
            .await
            .unwrap(),
        None
    );
    tinhso::storage::delete(store.as_ref(), "dossiers/d1/f1.pdf")
        .await
        .unwrap();
    assert_eq!(
        tinhso::storage::get(store.as_ref(), "dossiers/d1/f1.pdf")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn local_folder() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(&Config {
        data_dir: dir.path().into(),
        ..Config::default()
    })
    .await;
    assert!(dir.path().join("files").is_dir());
}

#[tokio::test]
async fn s3_compatible_store() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = format!(
        "from moto.server import ThreadedMotoServer\nimport boto3, time\ns = ThreadedMotoServer(ip_address='127.0.0.1', port={port})\ns.start()\n\
         boto3.client('s3', endpoint_url='http://127.0.0.1:{port}', aws_access_key_id='k', aws_secret_access_key='s', region_name='us-east-1').create_bucket(Bucket='tinhso')\n\
         print('ready', flush=True)\ntime.sleep(600)\n"
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let ready = lines.any(|l| l.map(|l| l.trim() == "ready").unwrap_or(false));
    assert!(ready, "the S3 server (pip package moto[server]) starts");
    let storage = StorageConfig {
        kind: "s3".into(),
        bucket: "tinhso".into(),
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        access_key_id: Some("k".into()),
        secret_access_key: Some("s".into()),
        allow_http: true,
        ..StorageConfig::default()
    };
    round_trip(&Config {
        storage,
        ..Config::default()
    })
    .await;
}
