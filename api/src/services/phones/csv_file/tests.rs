//! The CSV reader on small files made in the test: dialects, bad lines, counts, formulas.

use super::*;

fn names() -> Names {
    Names {
        servers: [("Main".to_string(), 7)].into(),
        brandings: HashMap::new(),
        releases: ["4.2.0.181".to_string()].into(),
    }
}

fn problems(bytes: &[u8]) -> Vec<u64> {
    let error = match parse(bytes, &Defaults::default(), &names()) {
        Ok((_, problems)) if !problems.is_empty() => problems.into_error(),
        Err(error) => error,
        Ok(_) => panic!("{bytes:?} accepted"),
    };
    match error {
        Error::InvalidCsv(_, list) => list.iter().map(|p| p.line).collect(),
        other => panic!("expected invalid_csv, got {other:?}"),
    }
}

/// Found by the second penetration test: the count was of problems, not lines.
#[test]
fn a_line_with_many_problems_counts_as_one_invalid_line() {
    let mut file = String::from("mac");
    for i in 0..(MAX_PROBLEMS + 5) {
        file.push_str(&format!(",nope{i}"));
    }
    file.push_str("\n00085D1A2B3C\n");
    let error = match parse(file.as_bytes(), &Defaults::default(), &names()) {
        Ok((_, problems)) => problems.into_error(),
        Err(error) => error,
    };
    let Error::InvalidCsv(message, list) = error else {
        panic!("expected invalid_csv");
    };
    assert!(
        message.starts_with("The file has 1 invalid line(s)"),
        "{message}"
    );
    assert_eq!(list.len(), MAX_PROBLEMS);
}

#[test]
fn formula_cells_are_made_inert_and_read_back() {
    for name in ["=cmd|' /C calc'!A0", "+1", "-x", "@SUM(A1)", "\tx", "\rx"] {
        let cell = neutralise(name);
        assert!(cell.starts_with('\''), "{cell:?}");
        assert_eq!(restore(&cell), name);
    }
    assert_eq!(neutralise("Main"), "Main");
    assert_eq!(restore("'quoted"), "'quoted");
}

#[test]
fn bom_crlf_quotes_blank_lines_trailing_commas_and_spaces_are_read() {
    let file = "\u{feff}mac,server,firmware\r\n\"00:08:5D:1A:2B:3C\" , Main ,\r\n\r\n 0008.5d1a.2b3d ,,4.2.0.181,\r\n";
    let (parsed, problems) = parse(file.as_bytes(), &Defaults::default(), &names()).unwrap();
    assert!(problems.is_empty());
    assert_eq!(parsed.lines, vec![2, 4]);
    assert_eq!(parsed.rows[0].mac, "00085D1A2B3C");
    assert_eq!(parsed.rows[0].server_id, Some(7));
    assert_eq!(parsed.rows[1].server_id, None);
    assert_eq!(parsed.rows[1].firmware.as_deref(), Some("4.2.0.181"));
    assert_eq!(
        fields(r#" "a ""b"", c" , d,"#, ',').unwrap(),
        ["a \"b\", c", "d", ""]
    );
}

#[test]
fn without_a_header_extra_columns_are_ignored_and_duplicates_count_once() {
    let defaults = Defaults {
        server_id: Some(7),
        ..Defaults::default()
    };
    let file = "00085D1A2B3C,whatever\n00085D1A2B3D\n00:08:5d:1a:2b:3c\n";
    let (parsed, _) = parse(file.as_bytes(), &defaults, &names()).unwrap();
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.lines, vec![3, 2]);
    assert!(parsed.rows.iter().all(|r| r.server_id == Some(7)));
}

#[test]
fn every_bad_line_is_reported_with_its_number() {
    let file = "mac,server\n00085D1A2B3C\nnope\n00085D1A2B3D,Nowhere\n010000000000\n";
    assert_eq!(problems(file.as_bytes()), vec![3, 4, 5]);
    assert_eq!(problems(b"mac,colour\n00085D1A2B3C\n"), vec![1]);
    assert_eq!(problems(b"00085D1A2B3C\n\"00085D1A2B3D\n"), vec![2]);
}

#[test]
fn empty_and_binary_files_are_rejected_as_a_whole() {
    for bad in [
        &b""[..],
        b"\r\n\r\n",
        b"mac\n",
        b"\xff\xfe\x00\x01",
        b"\x00\x00\x00",
    ] {
        assert_eq!(problems(bad), Vec::<u64>::new(), "{bad:?}");
    }
}

#[test]
fn the_report_is_capped_but_counts_everything() {
    let file = "x\n".repeat(MAX_PROBLEMS + 5);
    let (_, problems) = parse(file.as_bytes(), &Defaults::default(), &names()).unwrap();
    match problems.into_error() {
        Error::InvalidCsv(message, list) => {
            assert_eq!(list.len(), MAX_PROBLEMS);
            assert!(
                message.contains(&format!("{}", MAX_PROBLEMS + 5)),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_separator_is_read_off_the_file() {
    let cases = [
        ("00085D1A2B3C\n00085D1A2B3D\n", CsvSeparator::Comma),
        ("mac,server\n00085D1A2B3C,Main\n", CsvSeparator::Comma),
        (
            "MAC;Server\r\n00085D1A2B3C;Main\r\n",
            CsvSeparator::Semicolon,
        ),
        (
            "\"MAC address\"\tserver\n00085D1A2B3C\tMain\n",
            CsvSeparator::Tab,
        ),
        // No header: under which separator does the first cell hold a MAC?
        (
            "00085D1A2B3C;Main, east\n00085D1A2B3D;\n",
            CsvSeparator::Semicolon,
        ),
        (
            "00085D1A2B3C,Main; east\n00085D1A2B3D,\n",
            CsvSeparator::Comma,
        ),
        ("00085D1A2B3C\tMain, east; west\n", CsvSeparator::Tab),
        ("", CsvSeparator::Comma),
    ];
    for (file, expected) in cases {
        assert_eq!(detect(file), expected, "{file:?}");
    }
}

#[test]
fn a_semicolon_file_reads_like_a_comma_file() {
    let names = names();
    let comma = parse(
        b"mac,server\n00085D1A2B3C,Main\n",
        &Defaults::default(),
        &names,
    )
    .unwrap()
    .0;
    let semicolon = parse(
        b"mac;server\n00085D1A2B3C;Main\n",
        &Defaults::default(),
        &names,
    )
    .unwrap()
    .0;
    assert_eq!(comma.rows, semicolon.rows);
    assert_eq!(semicolon.rows[0].server_id, Some(7));
}

#[test]
fn repeats_are_noted_at_the_line_used_within_and_across_chunks() {
    let names = names();
    let file = b"00085D1A2B3C\n00085D1A2B3D\n00085D1A2B3C\n00085D1A2B3E\n00085D1A2B3C\n";
    let mut reader = Reader::new(&file[..], &Defaults::default(), &names, 2).unwrap();
    while reader.next_chunk().unwrap().is_some() {}
    let finished = reader.finish().unwrap();
    let repeats = finished.repeats.by_line();
    let lines: Vec<u64> = repeats.iter().map(|p| p.line).collect();
    // Chunks of two lines: 1-2, 3-4, 5. Lines 3 and 5 each repeat an earlier chunk's MAC.
    assert_eq!(lines, [3, 5]);
    assert!(repeats[0]
        .message
        .contains("00:08:5D:1A:2B:3C is also on an earlier line"));
    let mut reader = Reader::new(&file[..], &Defaults::default(), &names, 10).unwrap();
    while reader.next_chunk().unwrap().is_some() {}
    let repeats = reader.finish().unwrap().repeats.by_line();
    assert_eq!(repeats.len(), 1);
    assert_eq!(
        repeats[0].message,
        "00:08:5D:1A:2B:3C is also on line 1, 3; this line is used."
    );
}

/// The MACs seen are one sorted vector: chunks in descending, interleaved and ascending order
/// all merge into it, and a MAC repeated across chunks counts once.
#[test]
fn chunks_in_any_order_count_each_mac_once() {
    let names = names();
    let macs: Vec<u64> = (0..40u64)
        .map(|i| 0x0008_5D00_0000 + (i * 7919) % 97)
        .collect();
    let mut file = String::new();
    for mac in macs.iter().rev().chain(&macs) {
        file.push_str(&format!("{mac:012X}\n"));
    }
    for chunk_rows in [1, 3, 7, 40, 1000] {
        let mut reader =
            Reader::new(file.as_bytes(), &Defaults::default(), &names, chunk_rows).unwrap();
        let mut fresh = 0;
        while let Some(chunk) = reader.next_chunk().unwrap() {
            fresh += chunk.rows.iter().filter(|r| !r.repeated).count();
        }
        let mut distinct = macs.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(reader.distinct(), distinct.len(), "chunks of {chunk_rows}");
        assert_eq!(fresh, distinct.len(), "chunks of {chunk_rows}");
        assert_eq!(reader.seen, distinct, "chunks of {chunk_rows}");
    }
}

#[test]
fn merge_sorted_interleaves_in_place() {
    let mut seen = vec![2, 5, 9];
    merge_sorted(&mut seen, &[1, 3, 10]);
    assert_eq!(seen, [1, 2, 3, 5, 9, 10]);
    merge_sorted(&mut seen, &[]);
    assert_eq!(seen, [1, 2, 3, 5, 9, 10]);
    let mut empty = Vec::new();
    merge_sorted(&mut empty, &[4, 6]);
    assert_eq!(empty, [4, 6]);
}

/// An import reads its spooled file a block at a time: a character cut by the end of the
/// first block is not an error, the rows are the same whatever the block size, and a line
/// that is not text after the first block rejects the file with the same message as in it.
#[test]
fn a_file_read_in_small_blocks_reads_the_same() {
    let names = names();
    let mut file = String::from("mac;server\n");
    for i in 0..50 {
        file.push_str(&format!("00085D0000{i:02X};Main\n"));
    }
    file.push_str("00085D1A2B3C;Main\n");
    let read = |bytes: &[u8], block: usize| -> Result<Vec<(u64, Option<i64>)>, Error> {
        let source = std::io::BufReader::with_capacity(block, bytes);
        let mut reader = Reader::new(source, &Defaults::default(), &names, 7)?;
        let mut rows = Vec::new();
        while let Some(chunk) = reader.next_chunk()? {
            rows.extend(chunk.rows.iter().map(|r| (r.mac, r.server_id)));
        }
        assert!(reader.finish()?.problems.is_empty());
        Ok(rows)
    };
    let whole = read(file.as_bytes(), 1 << 20).unwrap();
    assert_eq!(whole.len(), 51);
    assert!(whole.iter().all(|(_, server)| *server == Some(7)));
    assert_eq!(read(file.as_bytes(), 64).unwrap(), whole);

    // "é" is two bytes; an 18-byte block ends between them. Without a header, the cells
    // after the MAC are ignored.
    let cut = "00085D1A2B3C,abcdé\n00085D1A2B3D,x\n";
    assert_eq!(cut.as_bytes()[17], 0xC3);
    assert_eq!(read(cut.as_bytes(), 18).unwrap().len(), 2);

    for (bad, message) in [
        (&b"\xff\xfe\n"[..], "not UTF-8"),
        (&b"\0\n"[..], "binary data"),
    ] {
        let mut bytes = file.clone().into_bytes();
        bytes.extend_from_slice(bad);
        for block in [64, 1 << 20] {
            match read(&bytes, block) {
                Err(Error::InvalidCsv(m, _)) => assert!(m.contains(message), "{m}"),
                other => panic!("{message}, block {block}: {other:?}"),
            }
        }
    }
}
