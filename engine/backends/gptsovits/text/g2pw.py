"""Optional G2PW polyphone prediction for Chinese (only when the user has ``G2PWModel/`` on disk).

G2PW is a BERT-based classifier (an ONNX file, ~635 MB) that picks the reading of each polyphonic character
from its sentence; upstream GPT-SoVITS uses it for every Chinese sentence. Timbrel runs the same model with
``onnxruntime`` when the linked assets folder has it, and otherwise keeps pypinyin's dictionary readings.

Per sentence (as upstream's ``G2PWOnnxConverter`` in pinyin style):

* characters listed in ``POLYPHONIC_CHARS.txt`` (minus upstream's short exclusion list) are predicted: the text
  (a window of 16 characters around the polyphonic ones) is tokenised with the chinese-roberta tokenizer, one
  query per character (``input_ids``, ``token_type_ids``, ``attention_mask``, ``phoneme_mask`` restricting the
  labels to that character's readings, ``char_ids``, ``position_ids``); the arg-max label (bopomofo + tone) is
  converted to pinyin with ``bopomofo_to_pinyin_wo_tune_dict.json``;
* characters in ``MONOPHONIC_CHARS.txt`` take their single reading;
* everything else comes from pypinyin (``TONE3``, neutral tone 5); punctuation passes through.

As upstream, the sentence is first converted to Traditional characters (OpenCC ``s2tw``, the maintained ``opencc``
package) and the *converted* characters are looked up in the model's lists (so 长 → 長 is not predicted when the
list has only 长). pypinyin reads the sentence converted back character by character with upstream's own
Traditional → Simplified table (``text/zh_normalization/char_convert.py`` of the linked installation, parsed as
data) — so 幺 → 么 stays 么 and is read "me", as upstream does. Without the installation: OpenCC ``t2s`` of each
converted character (whatever OpenCC keeps as a valid Simplified form stays, like upstream's table: 么 stays 么,
著 stays 著). Measured over the 2,632 characters of U+4E00–U+9FFF that ``s2tw`` changes, pypinyin's reading of the
character this gives differs from the one upstream's table gives for 24 (all rare: 刾 叁 咤 唝 戯 棁 沨 煴 睾
瞆 缊 蒏 蕰 酂 铻 镟 阘 鳒 …, and 么/麽: me5 vs mo2); keeping the original character instead would differ for 25,
among them the common 幺 and 着. After the per-character readings,
:meth:`G2PW.correct` applies upstream's phrase corrections (``polyphonic.rep`` then ``polyphonic-fix.rep``, whole
word first, else per character) — tables that ship with the user's GPT-SoVITS installation
(``GPT_SoVITS/text/g2pw/``), read from there (never copied into Timbrel) when the linked folder has them.

The model folder's ``config.py`` and the ``.rep`` tables are read as data (literals only) — never executed.
"""

from __future__ import annotations

import ast
import json
import re
import threading
from pathlib import Path

import numpy as np

from engine.errors import MissingAsset

_NON_POLYPHONIC = set("一不和咋嗲剖差攢倒難奔勁拗肖瘙誒泊听噢")
_NON_MONOPHONIC = set("似攢")
CONTEXT_CHARS = 16
MAX_LEN = 512


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text("utf-8").strip().split("\n"):
        parts = line.split("\t")
        if len(parts) == 2:
            out.append((parts[0], parts[1].strip()))
    return out


def _config(path: Path) -> dict:
    """Literal top-level assignments of the model's ``config.py`` (it is data to us, never code)."""
    values = {"use_mask": True, "use_char_phoneme": False}
    if path.is_file():
        try:
            tree = ast.parse(path.read_text("utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            return values
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    values[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return values


def _words(text: str) -> tuple[list[str], list[int | None], list[tuple[int, int]]]:
    """Split into ASCII words / single characters, with character ↔ word maps (spaces map to None)."""
    words: list[str] = []
    t2w: list[int | None] = []
    w2t: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        m = re.match(r" +", text[i:])
        if m:
            t2w += [None] * len(m.group(0))
            i += len(m.group(0))
            continue
        m = re.match(r"[a-zA-Z0-9]+", text[i:])
        piece = m.group(0) if m else text[i]
        w2t.append((i, i + len(piece)))
        t2w += [len(words)] * len(piece)
        words.append(piece)
        i += len(piece)
    return words, t2w, w2t


def _tokenize(tokenizer, text: str) -> tuple[list[str], list[int | None]]:
    """Word-piece tokens and, per character, the index of the token covering it."""
    words, t2w, w2t = _words(text)
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for word, (start, _end) in zip(words, w2t):
        pieces = tokenizer.tokenize(word)
        if not pieces or pieces == ["[UNK]"]:
            spans.append((start, _end))
            tokens.append("[UNK]")
            continue
        pos = start
        for piece in pieces:
            n = len(re.sub(r"^##", "", piece))
            spans.append((pos, pos + n))
            pos += n
            tokens.append(piece)
    t2tok = list(t2w)
    for k, (a, b) in enumerate(spans):
        for p in range(a, b):
            if p < len(t2tok):
                t2tok[p] = k
    return tokens, t2tok


REP_FILES = ("polyphonic.rep", "polyphonic-fix.rep")
_REP_PLACES = ("text/g2pw", "GPT_SoVITS/text/g2pw", "../text/g2pw", "g2pw", ".")


def find_corrections(root: str | Path | None) -> list[Path]:
    """The phrase-correction tables under a GPT-SoVITS folder (repository root, ``GPT_SoVITS/``, or its
    ``pretrained_models/``); [] when there are none. Both files must be in the same folder."""
    if not root:
        return []
    base = Path(root)
    for place in _REP_PLACES:
        folder = (base / place).resolve()
        if all((folder / name).is_file() for name in REP_FILES):
            return [folder / name for name in REP_FILES]
    return []


def read_corrections(paths) -> dict[str, list[str]]:
    """``word: ['pin1', 'yin1']`` lines → dict (later files override earlier ones, as upstream)."""
    table: dict[str, list[str]] = {}
    for path in paths:
        for line in Path(path).read_text("utf-8").splitlines():
            if ":" not in line:
                continue
            key, value = line.split(":", 1)
            try:
                readings = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError):
                continue
            if isinstance(readings, list) and all(isinstance(r, str) for r in readings):
                table[key.strip()] = readings
    return table


_opencc_lock = threading.Lock()
_opencc: dict[str, object] = {}


def opencc(config: str):
    """A cached OpenCC converter (``s2tw`` / ``t2s``); MissingAsset when the package is absent."""
    with _opencc_lock:
        if config not in _opencc:
            try:
                import opencc as _oc
            except ImportError as exc:
                raise MissingAsset("G2PW needs the 'opencc' package (Traditional-character lookup), which is not installed.",
                                   hint="pip install opencc") from exc
            _opencc[config] = _oc.OpenCC(config)
        return _opencc[config]


def _same_length(converted: str, original: str) -> str:
    return converted if len(converted) == len(original) else original


def read_char_table(path: Path) -> dict[str, str] | None:
    """Upstream's character table (two aligned string literals in ``char_convert.py``) as Traditional →
    Simplified, later entries winning as in upstream's dict; the file is parsed, never executed. None when absent
    or not in that shape."""
    if not path.is_file():
        return None
    try:
        tree = ast.parse(path.read_text("utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return None
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                values[node.targets[0].id] = node.value.value
    simp = next((v for k, v in values.items() if k.startswith("simplified")), None)
    trad = next((v for k, v in values.items() if k.startswith("traditional")), None)
    if not simp or not trad or len(simp) != len(trad):
        return None
    return dict(zip(trad, simp))


def _back_to_simplified(original: str, traditional: str) -> str:
    """Without upstream's table: OpenCC ``t2s`` of each converted character (one character out, else it stays)."""
    t2s = opencc("t2s")
    out = []
    for o, t in zip(original, traditional):
        back = o if o == t else t2s.convert(t)
        out.append(back if len(back) == 1 else t)
    return "".join(out)


class G2PW:
    """``G2PW(model_dir, tokenizer_dir)(sentence) -> [pinyin or character, ...]`` (one entry per character).

    ``corrections``: a GPT-SoVITS folder holding ``text/g2pw/polyphonic*.rep`` (or the file paths, or a ready
    dict); without it no phrase corrections are applied (:attr:`corrections_source` says which)."""

    def __init__(self, model_dir: str | Path, tokenizer_dir: str | Path, *, threads: int = 1, corrections=None) -> None:
        self._use_tables(corrections)
        self.model_dir = Path(model_dir)
        onnx = next((p for p in (self.model_dir / "g2pW.onnx", self.model_dir / "g2pw.onnx") if p.is_file()), None)
        needed = ["POLYPHONIC_CHARS.txt", "MONOPHONIC_CHARS.txt", "bopomofo_to_pinyin_wo_tune_dict.json"]
        missing = [n for n in needed if not (self.model_dir / n).is_file()] + ([] if onnx else ["g2pW.onnx"])
        if missing:
            raise MissingAsset(f"The G2PW folder {self.model_dir} is incomplete (missing {', '.join(missing)}).",
                               hint="Copy the whole G2PWModel folder from GPT-SoVITS, or remove it to use dictionary readings.")
        try:
            import onnxruntime
        except ImportError as exc:
            raise MissingAsset("G2PW needs onnxruntime, which is not installed.",
                               hint="pip install onnxruntime (or remove G2PWModel to use dictionary readings).") from exc
        from transformers import AutoTokenizer

        cfg = _config(self.model_dir / "config.py")
        self.use_mask = bool(cfg.get("use_mask", True))
        self.use_char_phoneme = bool(cfg.get("use_char_phoneme", False))
        poly = _read_pairs(self.model_dir / "POLYPHONIC_CHARS.txt")
        if self.use_char_phoneme:
            self.labels = sorted({f"{c} {p}" for c, p in poly})
            index = {lab: i for i, lab in enumerate(self.labels)}
            pairs = [(c, index[f"{c} {p}"]) for c, p in poly]
        else:
            self.labels = sorted({p for _, p in poly})
            index = {lab: i for i, lab in enumerate(self.labels)}
            pairs = [(c, index[p]) for c, p in poly]
        self.char2labels: dict[str, list[int]] = {}
        for c, i in pairs:
            self.char2labels.setdefault(c, []).append(i)
        self.chars = sorted(self.char2labels)
        self.char2id = {c: i for i, c in enumerate(self.chars)}
        self.polyphonic = set(self.chars) - _NON_POLYPHONIC
        self.monophonic = {c: p for c, p in _read_pairs(self.model_dir / "MONOPHONIC_CHARS.txt") if c not in _NON_MONOPHONIC}
        self.bopomofo = json.loads((self.model_dir / "bopomofo_to_pinyin_wo_tune_dict.json").read_text("utf-8"))
        self.tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in onnxruntime.get_available_providers()]
        self.session = onnxruntime.InferenceSession(str(onnx), sess_options=opts, providers=providers)
        self._lock = threading.Lock()

    def to_pinyin(self, bopomofo: str) -> str | None:
        tone = bopomofo[-1:]
        base = self.bopomofo.get(bopomofo[:-1])
        return base + tone if base and tone in "12345" else None

    def _inputs(self, text: str, queries: list[int]) -> dict[str, np.ndarray]:
        text = text.lower()
        tokens, t2tok = _tokenize(self.tokenizer, text)
        if len(tokens) > MAX_LEN - 2:  # only with absurdly long windows; keep the head
            tokens = tokens[: MAX_LEN - 2]
        ids = self.tokenizer.convert_tokens_to_ids(["[CLS]"] + tokens + ["[SEP]"])
        n = len(queries)
        out = {
            "input_ids": np.tile(np.asarray(ids, np.int64), (n, 1)),
            "token_type_ids": np.zeros((n, len(ids)), np.int64),
            "attention_mask": np.ones((n, len(ids)), np.int64),
            "phoneme_mask": np.zeros((n, len(self.labels)), np.float32),
            "char_ids": np.zeros(n, np.int64),
            "position_ids": np.zeros(n, np.int64),
        }
        for k, q in enumerate(queries):
            ch = text[q]
            if self.use_mask:
                out["phoneme_mask"][k, self.char2labels[ch]] = 1.0
            else:
                out["phoneme_mask"][k] = 1.0
            out["char_ids"][k] = self.char2id[ch]
            out["position_ids"][k] = (t2tok[q] or 0) + 1  # [CLS] comes first
        return out

    def _use_tables(self, corrections) -> None:
        """The phrase corrections (a dict, the two .rep paths, or a GPT-SoVITS folder to search) and, next to them,
        upstream's own Traditional → Simplified character table (``zh_normalization/char_convert.py``, data)."""
        if isinstance(corrections, dict):
            self.corrections, self.corrections_source = dict(corrections), "given"
        else:
            paths = ([Path(p) for p in corrections] if isinstance(corrections, (list, tuple))
                     else find_corrections(corrections))
            self.corrections = read_corrections(paths)
            self.corrections_source = str(paths[0].parent) if paths else None
        self.t2s_table = None
        if self.corrections_source and self.corrections_source != "given":
            self.t2s_table = read_char_table(Path(self.corrections_source).parent / "zh_normalization" / "char_convert.py")

    def correct(self, word: str, readings: list[str]) -> list[str]:
        """Upstream's phrase correction: the whole word's entry if the tables have one, else per character."""
        whole = self.corrections.get(word)
        if whole is not None:
            return list(whole)
        out = list(readings)
        for i, ch in enumerate(word):
            entry = self.corrections.get(ch)
            if entry and i < len(out):
                out[i] = entry[0]
        return out

    def __call__(self, sentence: str) -> list[str]:
        from pypinyin import Style, pinyin

        traditional = _same_length(opencc("s2tw").convert(sentence), sentence)
        if self.t2s_table is not None:
            simplified = "".join(self.t2s_table.get(ch, ch) for ch in traditional)
        else:
            simplified = _back_to_simplified(sentence, traditional)
        fallback = pinyin(simplified, neutral_tone_with_five=True, style=Style.TONE3)
        if len(fallback) != len(sentence):  # pypinyin groups runs of non-Chinese characters
            fallback = [pinyin(ch, neutral_tone_with_five=True, style=Style.TONE3)[0] if ch.strip() else [ch]
                        for ch in simplified]
        sentence = traditional
        result: list[str] = []
        queries: list[int] = []
        for i, ch in enumerate(sentence):
            if ch in self.polyphonic:
                result.append("")
                queries.append(i)
            elif ch in self.monophonic:
                result.append(self.to_pinyin(self.monophonic[ch]) or fallback[i][0])
            else:
                result.append(fallback[i][0] if i < len(fallback) else ch)
        if queries:
            left = max(0, queries[0] - CONTEXT_CHARS)
            right = min(len(sentence), queries[-1] + CONTEXT_CHARS + 1)
            inputs = self._inputs(sentence[left:right], [q - left for q in queries])
            with self._lock:
                probs = self.session.run(None, inputs)[0]
            for q, k in zip(queries, np.argmax(probs, axis=1).tolist()):
                label = self.labels[k].split(" ")[-1]
                result[q] = self.to_pinyin(label) or fallback[q][0]
        return result
