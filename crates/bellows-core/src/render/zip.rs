//! A zip archive, written in memory, so the browser can offer a whole plan as one download.
//!
//! Only what the plan's files need: each entry stored as it is (method 0: a plan's files are a few
//! hundred kilobytes at most, and the download is the point, not the compression) with its CRC-32 (the `crc` crate, bit by bit: no table to
//! download, and fast enough for a plan's few hundred kilobytes), UTF-8 names, one fixed
//! timestamp (so the same plan gives the same bytes), no Zip64 (an entry or archive over 4 GiB,
//! or more than 65,535 entries, is refused with a message). The `zip` crate reads and writes far
//! more than this and would weigh on the page, so the container is written here, from PKWARE's
//! APPNOTE (local headers, central directory, end record); a test reads archives back with the `zip`
//! crate.

const CRC32: crc::Crc<u32, crc::NoTable> = crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);
/// 1980-01-01 00:00, the format's first day (MS-DOS date and time).
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// Bit 11: the names are UTF-8.
const UTF8: u16 = 1 << 11;
const STORED: u16 = 0;
const VERSION: u16 = 20;

fn u16_of(n: usize, what: &str) -> Result<u16, String> {
    u16::try_from(n).map_err(|_| format!("{what} is too large for a zip archive ({n})"))
}

fn u32_of(n: usize, what: &str) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| format!("{what} is too large for a zip archive without Zip64 ({n} bytes)"))
}

/// The archive holding `files` (name, contents), in that order.
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let crc = CRC32.checksum(data);
        let offset = u32_of(out.len(), "the archive")?;
        let name_len = u16_of(name.len(), &format!("the name {name}"))?;
        let len = u32_of(data.len(), name)?;
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [VERSION, UTF8, STORED, DOS_TIME, DOS_DATE] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, len, len] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name_len, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [VERSION, VERSION, UTF8, STORED, DOS_TIME, DOS_DATE] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, len, len] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        // Name length, extra and comment lengths, disk number, internal attributes.
        for v in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        // External attributes, then where the local header is.
        for v in [0u32, offset] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(name.as_bytes());
    }
    let entries = u16_of(files.len(), "the number of files")?;
    let (central_len, central_at) = (u32_of(central.len(), "the directory")?, u32_of(out.len(), "the archive")?);
    out.extend_from_slice(&central);
    // End of central directory record.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, entries, entries] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in [central_len, central_at] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_back(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).expect("an entry");
                let mut data = Vec::new();
                f.read_to_end(&mut data).expect("its contents, with a matching CRC");
                (f.name().to_string(), data)
            })
            .collect()
    }

    #[test]
    fn the_zip_crate_reads_back_every_name_and_byte() {
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| format!("-- line {i}\n").into_bytes()).collect();
        let files = vec![
            ("plan/1-expand.up.sql".to_string(), b"ALTER TABLE t ADD COLUMN c int;\n".to_vec()),
            ("plan/empty.txt".to_string(), Vec::new()),
            ("plan/caf\u{e9} \u{1f4e6}.md".to_string(), "d\u{e9}j\u{e0} vu".as_bytes().to_vec()),
            ("plan/big.sql".to_string(), big),
        ];
        let bytes = zip(&files).expect("zipped");
        assert_eq!(read_back(&bytes), files);
        assert_eq!(bytes, zip(&files).expect("zipped"), "the same files give the same bytes");
    }

    #[test]
    fn too_many_files_is_a_message_not_a_panic() {
        let files: Vec<(String, Vec<u8>)> = (0..70_000).map(|i| (format!("{i}"), Vec::new())).collect();
        assert!(zip(&files).is_err_and(|e| e.contains("number of files")));
    }
}
