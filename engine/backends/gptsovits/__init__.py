"""GPT-SoVITS backend: our own PyTorch implementation of GPT-SoVITS v1/v2/v2Pro/v2ProPlus inference.

No GPT-SoVITS code is imported or copied; the networks reproduce the reference outputs (see
``tests/gptsovits``) and load upstream weights strictly because parameter names match the files' keys.
Importing this package imports no torch; the modules below do.

Modules and what other parts call
---------------------------------
``checkpoint``  Safe reading of users' files: ``read_gpt_file(path)``, ``read_sovits_file(path)``,
                ``read_sv_file(path)`` (``weights_only=True`` + an ``utils.HParams`` stand-in; pickled code is
                refused with ``UnsafeFile``); version from the 2-byte header + tensor shapes.
``convert``     ``convert_pair(gpt, sovits)`` → groups ``gpt``/``sovits`` + manifest; ``import_base(engine.bases,
                name, gpt, sovits)`` stores it (``timbrel base import``).
``models``      For the runtime: ``parameter_layout(manifest)``, ``build_gpt(config, device)``,
                ``build_sovits(variant, config, device)``, ``fill(module, tensors, mode="copy"|"assign")``,
                ``load_base(manifest, paths)``.
``t2s``         ``Text2Semantic`` (the GPT): ``generate(phones (1,N), bert (1,1024,N), prompt (1,P)|None,
                top_k, top_p, temperature, repetition_penalty, early_stop_num, generator)`` → ``T2SResult``
                (``tokens``, ``new_tokens``, ``idx``, ``stop``); ``iter_tokens(...)`` streams tokens;
                ``prompt_logits(...)``. The KV cache is a per-call ``KVCache``.
``sovits``      ``SoVITS``: ``extract_latent(ssl (1,768,T))`` → prompt codes (1,1,T/2);
                ``reference_embedding(spec (1,1025,T), sv (1,20480)|None)`` → per-reference ``ge`` (cache per
                clip + base); ``combine_references([ge, ...])``; ``decode(codes (1,1,T), phones (1,N), ge=... or
                refs=[spec...], sv=[...], noise_scale=0.5, speed=1.0, noise=None, generator=None)`` → 32 kHz
                waveform (1,1,640·2T); ``decode_parts`` also returns the intermediates.
``features``    ``reference_spectrogram(wav32k)`` (1025-bin linear spectrogram for ``ref_enc``),
                ``kaldi_fbank(wav16k)`` (80-bin fbank for ERes2NetV2).
``eres2net``    ``ERes2NetV2`` with ``forward3(fbank (B,T,80))`` → sv vectors; ``sv_embedding(net, wav16k)``;
                ``build_eres2net(state_dict)``.
``pretrained``  ``load_hubert(folder)`` / ``hubert_features`` / ``prompt_ssl``, ``load_bert(folder)`` /
                ``bert_hidden``, ``load_sv(ckpt)`` — local files only (``local_files_only=True``).

Precision: modules run in their weights' dtype; layer norms, softmaxes, weight-norm and the
reference-encoder pooling are computed in float32. Inputs are cast to the weights' dtype at the entry points.
"""
