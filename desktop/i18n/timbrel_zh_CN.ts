<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AppContext</name>
    <message>
        <location filename="../context.py" line="41"/>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
</context>
<context>
    <name>ApplyPage</name>
    <message>
        <location filename="../views/consolidation_wizard.py" line="150"/>
        <source>Applied</source>
        <translation>已应用</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="153"/>
        <source>Revert this consolidation</source>
        <translation>撤销此次整合</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="164"/>
        <source>Applying…</source>
        <translation>正在应用…</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="171"/>
        <source>Applying the consolidation</source>
        <translation>正在应用整合</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="177"/>
        <source>Not applied: %1</source>
        <translation>未应用：%1</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="183"/>
        <source>Consolidation #%1 applied: %2 clusters have their base; %3 models archived. Revert brings the previous bases back.</source>
        <translation>整合 #%1 已应用：%2 个簇已有底模；%3 个模型已归档。撤销可恢复之前的底模。</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="200"/>
        <source>Consolidation #%1 reverted: the clusters have their previous bases and the archived models are back.</source>
        <translation>整合 #%1 已撤销：各簇恢复了之前的底模，归档的模型已恢复。</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="204"/>
        <source>Reverting the consolidation</source>
        <translation>正在撤销整合</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="205"/>
        <source>Could not revert</source>
        <translation>无法撤销</translation>
    </message>
</context>
<context>
    <name>Bases</name>
    <message>
        <location filename="../views/bases_data.py" line="18"/>
        <source>%1 kB</source>
        <translation>%1 kB</translation>
    </message>
    <message>
        <location filename="../views/bases_data.py" line="19"/>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
</context>
<context>
    <name>BasesView</name>
    <message>
        <location filename="../views/bases.py" line="34"/>
        <location filename="../views/bases.py" line="67"/>
        <source>Base</source>
        <translation>底模</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="34"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="34"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="34"/>
        <source>Serves</source>
        <translation>服务于</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="40"/>
        <source>How many bases?…</source>
        <translation>需要多少个底模？…</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="41"/>
        <source>Consolidate…</source>
        <translation>整合…</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="45"/>
        <source>Stored bases</source>
        <translation>已保存的底模</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="57"/>
        <source>Cluster</source>
        <translation>簇</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="57"/>
        <source>Voices</source>
        <translation>音色</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="57"/>
        <source>Served by</source>
        <translation>服务者</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="57"/>
        <source>Base version</source>
        <translation>底模版本</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="61"/>
        <source>Assign to cluster</source>
        <translation>分配给簇</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="63"/>
        <source>Base:</source>
        <translation>底模：</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="67"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="67"/>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="67"/>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="69"/>
        <source>Roll back to this version</source>
        <translation>回滚到此版本</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="76"/>
        <source>name of the fine-tuned base</source>
        <translation>微调后底模的名称</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="77"/>
        <source>Fine-tune this cluster&apos;s base</source>
        <translation>微调此簇的底模</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="78"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="84"/>
        <source>Fine-tune</source>
        <translation>微调</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="86"/>
        <source>Steps (GPT and SoVITS):</source>
        <translation>步数（GPT 和 SoVITS）：</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="87"/>
        <source>New base:</source>
        <translation>新底模：</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="97"/>
        <source>Clusters and the base that serves each (the Speak tab and evaluation use the same)</source>
        <translation>各簇及为其服务的底模（朗读页和评估使用同一规则）</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="100"/>
        <source>Base versions of the selected cluster</source>
        <translation>所选簇的底模版本</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="161"/>
        <source>Loading bases</source>
        <translation>正在加载底模</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="162"/>
        <source>Could not load the bases</source>
        <translation>无法加载底模</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="188"/>
        <source>preview voice (not a clone)</source>
        <translation>预览音色（不是克隆）</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="205"/>
        <source>fallback for %1 clusters</source>
        <translation>为 %1 个簇兜底</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="206"/>
        <source>no cluster</source>
        <translation>无簇</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="169"/>
        <source>(no base)</source>
        <translation>（无底模）</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="214"/>
        <source>nothing: these voices cannot speak</source>
        <translation>无：这些音色无法说话</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="216"/>
        <source>%1 (preview fallback; no base assigned)</source>
        <translation>%1（预览回退；未分配底模）</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="218"/>
        <source>%1 (preview voice, not a clone)</source>
        <translation>%1（预览音色，不是克隆）</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="226"/>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="174"/>
        <source>No clusters yet: analyse and cluster the voices on the Cluster map first.</source>
        <translation>还没有簇：请先在聚类图中分析并聚类音色。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="176"/>
        <source>No bases yet: import a GPT-SoVITS pair, or give clusters preview voices.</source>
        <translation>还没有底模：导入一个 GPT-SoVITS 模型对，或为各簇提供预览音色。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="178"/>
        <source>%1 bases, %2 clusters.</source>
        <translation>%1 个底模，%2 个簇。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="261"/>
        <source>adopted from a voice&apos;s model</source>
        <translation>采用自某个音色的模型</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="261"/>
        <source>pretrained, zero-shot</source>
        <translation>预训练，零样本</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="262"/>
        <source>fine-tuned</source>
        <translation>微调</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="262"/>
        <source>assigned</source>
        <translation>手动分配</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="262"/>
        <source>rollback</source>
        <translation>回滚</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="297"/>
        <source>Assigning a base</source>
        <translation>正在分配底模</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="298"/>
        <source>Could not assign the base</source>
        <translation>无法分配底模</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="313"/>
        <source>%1 is served by %2 again (version %3).</source>
        <translation>%1 重新由 %2 提供服务（版本 %3）。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="314"/>
        <source>Cluster %1</source>
        <translation>簇 %1</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="319"/>
        <source>Rolling back</source>
        <translation>正在回滚</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="320"/>
        <source>Could not roll back</source>
        <translation>无法回滚</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="329"/>
        <source>Choose the base to start from in the Base list above.</source>
        <translation>请在上方的底模列表中选择起始底模。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="341"/>
        <source>Preparing the cluster&apos;s clips</source>
        <translation>正在准备簇的片段</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="341"/>
        <source>Training GPT</source>
        <translation>正在训练 GPT</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="342"/>
        <source>Training SoVITS</source>
        <translation>正在训练 SoVITS</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="343"/>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="363"/>
        <source>Stored %1 as a new base version of the cluster.</source>
        <translation>已将 %1 存为该簇的新底模版本。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="372"/>
        <source>Fine-tuning was cancelled; its checkpoints are kept for a later resume.</source>
        <translation>微调已取消；检查点已保留，可稍后继续。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="375"/>
        <source>Fine-tuning failed.</source>
        <translation>微调失败。</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="376"/>
        <source>Could not fine-tune</source>
        <translation>无法微调</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="379"/>
        <source>Fine-tuning</source>
        <translation>正在微调</translation>
    </message>
    <message>
        <location filename="../views/bases.py" line="391"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>ClipTable</name>
    <message>
        <location filename="../views/clip_table.py" line="24"/>
        <source>Waveform</source>
        <translation>波形</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="24"/>
        <source>Transcript</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="24"/>
        <source>Emotion</source>
        <translation>情绪</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="24"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="24"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="25"/>
        <source>Heard as</source>
        <translation>听出的情绪</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="35"/>
        <location filename="../views/clip_table.py" line="76"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="55"/>
        <source>Play this clip</source>
        <translation>播放此片段</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="80"/>
        <source>Emotion label (source: %1)</source>
        <translation>情绪标签（来源：%1）</translation>
    </message>
    <message>
        <location filename="../views/clip_table.py" line="98"/>
        <source>emotion2vec+ (%1): %2</source>
        <translation>emotion2vec+（%1）：%2</translation>
    </message>
</context>
<context>
    <name>Cluster</name>
    <message>
        <location filename="../adapters.py" line="120"/>
        <source>Cluster %1</source>
        <translation>簇 %1</translation>
    </message>
</context>
<context>
    <name>ClusterMap</name>
    <message>
        <location filename="../views/clustermap_style.py" line="48"/>
        <source>Group %1</source>
        <translation>组 %1</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="319"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="321"/>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="323"/>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
</context>
<context>
    <name>ClusterMapView</name>
    <message>
        <location filename="../views/clustermap.py" line="55"/>
        <source>Pin to cluster</source>
        <translation>固定到簇</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="56"/>
        <source>Unpin</source>
        <translation>取消固定</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="57"/>
        <source>Rename cluster…</source>
        <translation>重命名簇…</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="61"/>
        <source>groups: </source>
        <translation>分组数：</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="62"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="63"/>
        <source>Let the analysis choose the number of groups (the cut whose clips are best separated)</source>
        <translation>由分析自动决定分组数（选择片段分离度最好的切分）</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="66"/>
        <source>Re-cluster</source>
        <translation>重新聚类</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="67"/>
        <source>Analyze new clips</source>
        <translation>分析新片段</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="75"/>
        <source>Voice:</source>
        <translation>音色：</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="77"/>
        <source>→</source>
        <translation>→</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="113"/>
        <source>Loading the cluster map</source>
        <translation>正在加载聚类图</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="114"/>
        <source>Could not load the cluster map</source>
        <translation>无法加载聚类图</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="187"/>
        <source>… and %1 more clusters</source>
        <translation>… 另有 %1 个簇</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="149"/>
        <source>No voice has been analysed yet: import voices, then press “Analyze new clips”.</source>
        <translation>还没有分析过任何音色：请先导入音色，然后点击“分析新片段”。</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="151"/>
        <source>%1 voices in %2 clusters. A pinned voice (thick outline) stays in its cluster when you re-cluster.</source>
        <translation>%1 个音色，%2 个簇。已固定的音色（粗边框）在重新聚类时保持在原簇中。</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="259"/>
        <source>Pinning the voice</source>
        <translation>正在固定音色</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="264"/>
        <source>Unpinning the voice</source>
        <translation>正在取消固定</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="273"/>
        <source>Rename cluster</source>
        <translation>重命名簇</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="273"/>
        <source>Name for cluster #%1:</source>
        <translation>簇 #%1 的名称：</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="280"/>
        <source>Renaming the cluster</source>
        <translation>正在重命名簇</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="284"/>
        <source>Re-clustering</source>
        <translation>正在重新聚类</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="292"/>
        <source>Analysing clips</source>
        <translation>正在分析片段</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="304"/>
        <source>Analysing clips: %1 of %2</source>
        <translation>正在分析片段：%1 / %2</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="307"/>
        <source>%1 clips/s, about %2 left</source>
        <translation>每秒 %1 个片段，约剩 %2</translation>
    </message>
</context>
<context>
    <name>ConsolidationWizard</name>
    <message>
        <location filename="../views/consolidation_wizard.py" line="220"/>
        <source>Consolidate: one base per cluster</source>
        <translation>整合：每个簇一个底模</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="228"/>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="229"/>
        <source>Back</source>
        <translation>上一步</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="230"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="231"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="233"/>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="234"/>
        <source>Loading bases</source>
        <translation>正在加载底模</translation>
    </message>
</context>
<context>
    <name>CueEditor</name>
    <message>
        <location filename="../views/cues.py" line="29"/>
        <source>Edit cue</source>
        <translation>编辑快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="29"/>
        <source>New cue</source>
        <translation>新建快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="36"/>
        <source>(voice default)</source>
        <translation>（音色默认）</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="49"/>
        <source>Overlap (mix with what is playing)</source>
        <translation>叠加（与正在播放的声音混合）</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="50"/>
        <source>Interrupt (stop what is playing)</source>
        <translation>打断（停止正在播放的声音）</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="54"/>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="55"/>
        <source>Voice:</source>
        <translation>音色：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="56"/>
        <source>Emotion:</source>
        <translation>情绪：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="57"/>
        <source>Text:</source>
        <translation>文本：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="58"/>
        <source>In-app shortcut:</source>
        <translation>应用内快捷键：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="59"/>
        <source>Global hotkey:</source>
        <translation>全局热键：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="60"/>
        <source>When it plays:</source>
        <translation>播放时：</translation>
    </message>
</context>
<context>
    <name>CuesView</name>
    <message>
        <location filename="../views/cues.py" line="115"/>
        <source>New cue…</source>
        <translation>新建快捷台词…</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="116"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="117"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="118"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="119"/>
        <source>Stop the sound and drop the queued cues</source>
        <translation>停止声音并清空排队的快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="120"/>
        <source>Skip</source>
        <translation>跳过</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="121"/>
        <source>End the sound playing now; queued cues go on</source>
        <translation>结束当前声音；排队的快捷台词继续播放</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="136"/>
        <source>No cues yet. A cue is a saved line (voice, emotion, text) you can play with one click, a shortcut, a global hotkey, or &apos;timbrel trigger NAME&apos;.</source>
        <translation>还没有快捷台词。快捷台词是保存好的一句话（音色、情绪、文本），可以一键、快捷键、全局热键或 &apos;timbrel trigger 名称&apos; 播放。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="158"/>
        <source>Loading cues</source>
        <translation>正在加载快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="159"/>
        <source>Could not load the cues</source>
        <translation>无法加载快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="203"/>
        <source>Global hotkeys are off.</source>
        <translation>全局热键已关闭。</translation>
    </message>
    <message numerus="yes">
        <location filename="../views/cues.py" line="209"/>
        <source>%n global hotkey(s) active.</source>
        <translation>
            <numerusform>%n 个全局热键已启用。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="211"/>
        <source>Global hotkeys are unavailable here: %1</source>
        <translation>此环境无法使用全局热键：%1</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="213"/>
        <source>Not usable: %1</source>
        <translation>无法使用：%1</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="214"/>
        <source>Any desktop can bind &apos;timbrel trigger NAME&apos; to a key.</source>
        <translation>任何桌面环境都可以把 &apos;timbrel trigger 名称&apos; 绑定到按键。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="236"/>
        <source>Prefetching</source>
        <translation>正在预取</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="241"/>
        <source>Playing cue “%1”</source>
        <translation>正在播放快捷台词“%1”</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="249"/>
        <source>Playing a cue</source>
        <translation>正在播放快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="250"/>
        <location filename="../views/cues.py" line="254"/>
        <source>Could not play the cue</source>
        <translation>无法播放快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="273"/>
        <source>New cue</source>
        <translation>新建快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="273"/>
        <source>Import a voice first.</source>
        <translation>请先导入一个音色。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="282"/>
        <location filename="../views/cues.py" line="301"/>
        <source>Click a cue first.</source>
        <translation>请先点击一个快捷台词。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="296"/>
        <source>Saving the cue</source>
        <translation>正在保存快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="296"/>
        <source>Could not save the cue</source>
        <translation>无法保存快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="304"/>
        <source>Removing the cue</source>
        <translation>正在删除快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="305"/>
        <source>Could not remove the cue</source>
        <translation>无法删除快捷台词</translation>
    </message>
</context>
<context>
    <name>Device</name>
    <message>
        <location filename="../adapters.py" line="197"/>
        <source>CPU (no GPU: models run in host memory)</source>
        <translation>CPU（无 GPU：模型在主机内存中运行）</translation>
    </message>
    <message>
        <location filename="../adapters.py" line="199"/>
        <source>Simulated device (modelled transfers, for tests)</source>
        <translation>模拟设备（传输为模型估算，用于测试）</translation>
    </message>
    <message>
        <location filename="../adapters.py" line="201"/>
        <source>GPU: %1</source>
        <translation>GPU：%1</translation>
    </message>
</context>
<context>
    <name>DropZone</name>
    <message>
        <location filename="../views/bases_import.py" line="23"/>
        <source>Drop a GPT-SoVITS pair here (GPT .ckpt + SoVITS .pth)</source>
        <translation>将 GPT-SoVITS 模型对拖到这里（GPT .ckpt + SoVITS .pth）</translation>
    </message>
</context>
<context>
    <name>Emotion</name>
    <message>
        <location filename="../views/emotions.py" line="17"/>
        <source>angry</source>
        <translation>生气</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="18"/>
        <source>disgusted</source>
        <translation>厌恶</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="19"/>
        <source>fearful</source>
        <translation>害怕</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="20"/>
        <source>happy</source>
        <translation>开心</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="21"/>
        <source>neutral</source>
        <translation>平静</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="22"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="23"/>
        <source>sad</source>
        <translation>难过</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="24"/>
        <source>surprised</source>
        <translation>惊讶</translation>
    </message>
    <message>
        <location filename="../views/emotions.py" line="25"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>EmptyLibrary</name>
    <message>
        <location filename="../views/library_panels.py" line="17"/>
        <source>Your library is empty.
Drop audio files or folders here, or import a folder (one sub-folder per voice; emotion names like happy/ or 开心/ become labels).</source>
        <translation>音色库是空的。
把音频文件或文件夹拖到这里，或导入一个文件夹（每个音色一个子文件夹；happy/、开心/ 这样的情绪名会成为标签）。</translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="21"/>
        <source>Import a folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="22"/>
        <source>Add the demo voices</source>
        <translation>添加示例音色</translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="23"/>
        <source>Four small synthetic voices to try the app with.</source>
        <translation>四个小型合成音色，用来试用本应用。</translation>
    </message>
</context>
<context>
    <name>EvaluationView</name>
    <message>
        <location filename="../views/evaluation.py" line="97"/>
        <source>Evaluate now</source>
        <translation>立即评估</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="98"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="103"/>
        <source>Re-evaluate automatically after changes</source>
        <translation>更改后自动重新评估</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="104"/>
        <source>When a cluster gets another base, or the library is re-clustered, evaluate again in the background.</source>
        <translation>当某个簇换了底模，或音色库重新聚类后，在后台重新评估。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="108"/>
        <source>Clusters:</source>
        <translation>簇：</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="126"/>
        <source>Voice</source>
        <translation>音色</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="126"/>
        <source>Cluster</source>
        <translation>簇</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="126"/>
        <source>Base (version)</source>
        <translation>底模（版本）</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="126"/>
        <source>Similarity to own references</source>
        <translation>与自身参考音频的相似度</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="127"/>
        <source>Best other in cluster / margin</source>
        <translation>簇内最相似的其他音色 / 差距</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="127"/>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="127"/>
        <source>Evaluated</source>
        <translation>评估时间</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="134"/>
        <source>Apply move</source>
        <translation>执行移动</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="136"/>
        <source>Pin the selected voice to the cluster the evaluation proposes.</source>
        <translation>把选中的音色固定到评估建议的簇。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="137"/>
        <source>History of the selected voice</source>
        <translation>选中音色的评估历史</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="168"/>
        <location filename="../views/evaluation.py" line="299"/>
        <source>No evaluation yet: press “Evaluate now”.</source>
        <translation>还没有评估：请点击“立即评估”。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="136"/>
        <location filename="../views/evaluation.py" line="207"/>
        <source>Automatic evaluation is on.</source>
        <translation>自动评估已开启。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="222"/>
        <source>Loading the evaluations</source>
        <translation>正在加载评估结果</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="224"/>
        <source>Could not load the evaluations</source>
        <translation>无法加载评估结果</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="234"/>
        <source>All clusters</source>
        <translation>所有簇</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="237"/>
        <source>no base</source>
        <translation>无底模</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="248"/>
        <source>move → %1</source>
        <translation>移动 → %1</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="250"/>
        <source>poorly served</source>
        <translation>效果不佳</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="252"/>
        <source>split</source>
        <translation>拆分</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="254"/>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="259"/>
        <source>%1 (v%2)</source>
        <translation>%1（v%2）</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="291"/>
        <source>%1 voices evaluated, %2 flagged.</source>
        <translation>已评估 %1 个音色，%2 个被标记。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="294"/>
        <source>No clusters yet: analyse and cluster the library first (Cluster map).</source>
        <translation>还没有簇：请先在“聚类图”中分析并聚类音色库。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="296"/>
        <source>The last evaluation scored no voice: no cluster has a real (non-preview) base yet.</source>
        <translation>上次评估没有为任何音色打分：还没有簇拥有真实（非预览）的底模。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="304"/>
        <source>Clusters without a base cannot be evaluated (their voices cannot speak): %1. Assign a base on the Bases tab.</source>
        <translation>没有底模的簇无法评估（其音色无法说话）：%1。请在“底模”页分配底模。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="309"/>
        <source>Not scored — these clusters speak through the preview voice, which is not a clone, so its similarity says nothing about a real base: %1. Assign a GPT-SoVITS base on the Bases tab to evaluate them.</source>
        <translation>未打分——这些簇使用预览音色说话，预览音色不是克隆，其相似度不能说明真实底模的好坏：%1。请在“底模”页分配 GPT-SoVITS 底模后再评估。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="349"/>
        <source>Evaluation finished: %1 voices scored, %2 flagged.</source>
        <translation>评估完成：%1 个音色已打分，%2 个被标记。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="352"/>
        <source>Evaluation finished without scoring any voice: %1 clusters speak through the preview voice, %2 have no base.</source>
        <translation>评估完成，但没有为任何音色打分：%1 个簇使用预览音色说话，%2 个簇没有底模。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="326"/>
        <source>Evaluating</source>
        <translation>正在评估</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="327"/>
        <source>Evaluating cluster %1</source>
        <translation>正在评估簇 %1</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="333"/>
        <source>The evaluation failed</source>
        <translation>评估失败</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="393"/>
        <source>Loading the evaluation history</source>
        <translation>正在加载评估历史</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="395"/>
        <source>Could not load the evaluation history</source>
        <translation>无法加载评估历史</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="405"/>
        <source>%1  run %2  cluster %3  %4  similarity %5  %6</source>
        <translation>%1  第 %2 次运行  簇 %3  %4  相似度 %5  %6</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="415"/>
        <source>Moving %1</source>
        <translation>正在移动 %1</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="416"/>
        <source>The voice was not moved</source>
        <translation>音色未能移动</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="420"/>
        <source>%1 moved to cluster %2 (pinned).</source>
        <translation>%1 已移动到簇 %2（已固定）。</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../dialogs.py" line="131"/>
        <source>Welcome to Timbrel</source>
        <translation>欢迎使用 Timbrel</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="132"/>
        <source>&lt;h3&gt;Welcome to Timbrel&lt;/h3&gt;&lt;p&gt;Timbrel keeps your cloned voices in a library folder. Voices with a similar timbre share one GPT-SoVITS base, so hundreds of voices fit on one GPU.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;欢迎使用 Timbrel&lt;/h3&gt;&lt;p&gt;Timbrel 把你克隆的音色保存在一个音色库文件夹中。音色相近的声音共享同一个 GPT-SoVITS 底模，所以一张显卡就能放下几百个音色。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="137"/>
        <source>Library folder</source>
        <translation>音色库文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="138"/>
        <source>GPT-SoVITS pretrained models folder</source>
        <translation>GPT-SoVITS 预训练模型文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="139"/>
        <source>Optional: the GPT-SoVITS &apos;pretrained_models&apos; folder (HuBERT, BERT, base checkpoints). You can skip this and link it later in Settings.</source>
        <translation>可选：GPT-SoVITS 的 &apos;pretrained_models&apos; 文件夹（HuBERT、BERT、底模）。可以先跳过，以后在设置中关联。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="143"/>
        <source>Library folder:</source>
        <translation>音色库文件夹：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="144"/>
        <source>GPT-SoVITS assets:</source>
        <translation>GPT-SoVITS 资源：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="146"/>
        <source>Add the demo voices if the library is empty (four small synthetic voices that speak through the preview voice)</source>
        <translation>如果音色库为空，添加演示音色（四个小型合成音色，通过预览语音发声）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="151"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="152"/>
        <source>Skip assets</source>
        <translation>跳过资源</translation>
    </message>
</context>
<context>
    <name>FolderField</name>
    <message>
        <location filename="../dialogs.py" line="19"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
</context>
<context>
    <name>GlobalHotkeys</name>
    <message>
        <location filename="../hotkeys.py" line="75"/>
        <source>Global hotkeys are not possible on Wayland. Bind &apos;timbrel trigger CUE&apos; in your desktop&apos;s keyboard shortcut settings instead.</source>
        <translation>Wayland 下无法使用全局热键。请在桌面环境的键盘快捷键设置中绑定 &apos;timbrel trigger 台词名&apos;。</translation>
    </message>
    <message>
        <location filename="../hotkeys.py" line="79"/>
        <source>Global hotkeys need an X11 display (DISPLAY is not set).</source>
        <translation>全局热键需要 X11 显示（未设置 DISPLAY）。</translation>
    </message>
    <message>
        <location filename="../hotkeys.py" line="83"/>
        <source>Global hotkeys are unavailable: pynput cannot be loaded (%1).</source>
        <translation>无法使用全局热键：无法加载 pynput（%1）。</translation>
    </message>
    <message>
        <location filename="../hotkeys.py" line="169"/>
        <source>Global hotkeys could not be started: %1</source>
        <translation>无法启动全局热键：%1</translation>
    </message>
    <message>
        <location filename="../hotkeys.py" line="173"/>
        <source>macOS has not allowed Timbrel to watch the keyboard: allow it under System Settings → Privacy &amp; Security → Accessibility / Input Monitoring.</source>
        <translation>macOS 尚未允许 Timbrel 监听键盘：请在“系统设置 → 隐私与安全性 → 辅助功能 / 输入监控”中允许。</translation>
    </message>
</context>
<context>
    <name>GridView</name>
    <message>
        <location filename="../views/grid.py" line="33"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="52"/>
        <source>Loading the grid</source>
        <translation>正在加载情绪网格</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="53"/>
        <source>Could not load the emotion grid</source>
        <translation>无法加载情绪网格</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="63"/>
        <source>Heard most (emotion2vec+)</source>
        <translation>最常听出的情绪（emotion2vec+）</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="65"/>
        <source>unclustered</source>
        <translation>未聚类</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="76"/>
        <source>No %1 clip in this cluster: import or label one.</source>
        <translation>此簇没有“%1”的片段：请导入或标注一个。</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="79"/>
        <source>Without a %1 clip: %2</source>
        <translation>缺少“%1”片段的音色：%2</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="83"/>
        <source>emotion2vec+ hears %1 in unlabelled clips of: %2; &apos;timbrel emotions suggest --apply&apos; labels them.</source>
        <translation>emotion2vec+ 在以下音色的未标注片段中听出“%1”：%2；运行 &apos;timbrel emotions suggest --apply&apos; 即可为它们加上标签。</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="94"/>
        <source>%1 clusters × %2 emotions, %3 gaps (red).</source>
        <translation>%1 个簇 × %2 种情绪，%3 处缺口（红色）。</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="97"/>
        <source>No clusters yet: analyse and cluster the library first (Cluster map).</source>
        <translation>还没有簇：请先在“聚类图”中分析并聚类音色库。</translation>
    </message>
</context>
<context>
    <name>ImportBar</name>
    <message>
        <location filename="../views/library_panels.py" line="43"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message numerus="yes">
        <location filename="../views/library_panels.py" line="50"/>
        <source>Importing %n item(s)…</source>
        <translation>
            <numerusform>正在导入 %n 项…</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="59"/>
        <source>Importing %1</source>
        <translation>正在导入 %1</translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="62"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>ImportLayout</name>
    <message>
        <location filename="../import_layout.py" line="30"/>
        <source>Reading the folder</source>
        <translation>正在读取文件夹</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="31"/>
        <source>Could not read the folder</source>
        <translation>无法读取文件夹</translation>
    </message>
</context>
<context>
    <name>ImportSummary</name>
    <message>
        <location filename="../views/library_panels.py" line="71"/>
        <source>Imported %1 clip(s) into %2 voice(s).</source>
        <translation>已导入 %1 个片段到 %2 个音色。</translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="74"/>
        <source>%1 duplicate(s) skipped.</source>
        <translation>跳过 %1 个重复项。</translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="76"/>
        <source>%1 file(s) rejected.</source>
        <translation>拒绝了 %1 个文件。</translation>
    </message>
    <message>
        <location filename="../views/library_panels.py" line="78"/>
        <source>Cancelled: voices finished before the cancel were kept.</source>
        <translation>已取消：取消前已完成的音色已保留。</translation>
    </message>
</context>
<context>
    <name>LayoutQuestion</name>
    <message>
        <location filename="../import_layout.py" line="43"/>
        <source>How should this folder be imported?</source>
        <translation>应如何导入此文件夹？</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="45"/>
        <source>This folder holds GPT-SoVITS lists and audio that do not fit together, so Timbrel will not guess. Nothing has been imported yet.</source>
        <translation>此文件夹中的 GPT-SoVITS 列表与音频对不上，Timbrel 不会猜测。尚未导入任何内容。</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="50"/>
        <source>Through the lists (one voice per speaker)</source>
        <translation>按列表导入（每个说话人一个音色）</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="51"/>
        <source>One voice per sub-folder</source>
        <translation>每个子文件夹一个音色</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="52"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="92"/>
        <source>Imported %1 clips into %2 voices.</source>
        <translation>已将 %1 个片段导入 %2 个音色。</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="102"/>
        <source>Import failed</source>
        <translation>导入失败</translation>
    </message>
    <message>
        <location filename="../import_layout.py" line="104"/>
        <source>Importing</source>
        <translation>正在导入</translation>
    </message>
</context>
<context>
    <name>LibraryEdits</name>
    <message>
        <location filename="../views/library_edits.py" line="23"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="24"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="30"/>
        <source>Rename voice</source>
        <translation>重命名音色</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="30"/>
        <source>New name for “%1”:</source>
        <translation>“%1”的新名称：</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="47"/>
        <source>Renaming the voice</source>
        <translation>正在重命名音色</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="48"/>
        <source>Could not rename the voice</source>
        <translation>无法重命名音色</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="54"/>
        <source>Delete voice</source>
        <translation>删除音色</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="55"/>
        <source>Delete “%1” with its clips and cues? Its history is deleted too; clip audio other voices use is kept.</source>
        <translation>删除“%1”及其片段和快捷台词？它的历史记录也会被删除；其他音色使用的片段音频会保留。</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="68"/>
        <source>Deleting the voice</source>
        <translation>正在删除音色</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="69"/>
        <source>Could not delete the voice</source>
        <translation>无法删除音色</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="79"/>
        <source>Saving label</source>
        <translation>正在保存标签</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="80"/>
        <source>Could not change the label</source>
        <translation>无法修改标签</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="93"/>
        <source>Saving transcript</source>
        <translation>正在保存文本</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="94"/>
        <source>Could not change the transcript</source>
        <translation>无法修改文本</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="106"/>
        <source>Saving tags</source>
        <translation>正在保存标签</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="106"/>
        <source>Could not save the tags</source>
        <translation>无法保存标签</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="115"/>
        <source>Playing</source>
        <translation>正在播放</translation>
    </message>
    <message>
        <location filename="../views/library_edits.py" line="115"/>
        <source>Could not play the clip</source>
        <translation>无法播放片段</translation>
    </message>
</context>
<context>
    <name>LibraryImports</name>
    <message>
        <location filename="../views/library_import.py" line="19"/>
        <source>Import a folder of voices</source>
        <translation>导入音色文件夹</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="25"/>
        <source>Import audio files</source>
        <translation>导入音频文件</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="25"/>
        <source>Audio (*.wav *.flac *.ogg *.mp3 *.list);;All files (*)</source>
        <translation>音频 (*.wav *.flac *.ogg *.mp3 *.list);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="31"/>
        <source>An import is already running.</source>
        <translation>已有导入正在进行。</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="39"/>
        <source>Importing</source>
        <translation>正在导入</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="59"/>
        <source>… and %1 more</source>
        <translation>……以及另外 %1 个</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="60"/>
        <source>Some files were not imported</source>
        <translation>部分文件未导入</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="72"/>
        <source>Import failed</source>
        <translation>导入失败</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="84"/>
        <source>Adding the demo voices</source>
        <translation>正在添加示例音色</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="86"/>
        <source>Could not add the demo voices</source>
        <translation>无法添加示例音色</translation>
    </message>
    <message>
        <location filename="../views/library_import.py" line="91"/>
        <source>Demo voices added.</source>
        <translation>示例音色已添加。</translation>
    </message>
</context>
<context>
    <name>LibraryView</name>
    <message>
        <location filename="../views/library.py" line="103"/>
        <source>Search voices, tags, clusters…</source>
        <translation>搜索音色、标签、簇…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="105"/>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="106"/>
        <source>Import files…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="124"/>
        <source>tags, separated by commas</source>
        <translation>标签，用逗号分隔</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="126"/>
        <source>Tags:</source>
        <translation>标签：</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="136"/>
        <source>Select a voice to see its clips.</source>
        <translation>选择一个音色以查看它的片段。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="224"/>
        <location filename="../views/library.py" line="252"/>
        <source>Loading voices</source>
        <translation>正在加载音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="229"/>
        <source>Could not read the library</source>
        <translation>无法读取音色库</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="347"/>
        <source>Loading clips</source>
        <translation>正在加载片段</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="348"/>
        <source>Could not read the voice</source>
        <translation>无法读取音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="362"/>
        <source>Drawing waveforms</source>
        <translation>正在绘制波形</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../mainwindow.py" line="71"/>
        <source>⚠ Text frontend differs from GPT-SoVITS</source>
        <translation>⚠ 文本前端与 GPT-SoVITS 不一致</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="338"/>
        <source>Chinese polyphones are read with pypinyin&apos;s dictionary: no usable G2PW model is linked, while GPT-SoVITS always uses G2PW, so some readings differ.</source>
        <translation>中文多音字使用 pypinyin 词典读音：未链接可用的 G2PW 模型，而 GPT-SoVITS 始终使用 G2PW，因此部分读音会不同。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="341"/>
        <source>Chinese polyphones: G2PW is used without GPT-SoVITS&apos; phrase corrections (polyphonic.rep not found in the linked installation).</source>
        <translation>中文多音字：使用 G2PW，但没有 GPT-SoVITS 的词语读音校正（在链接的安装中找不到 polyphonic.rep）。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="344"/>
        <source>English: GPT-SoVITS&apos; own dictionary (cmudict.rep) was not found in the linked installation; a few words are pronounced differently.</source>
        <translation>英语：在链接的安装中找不到 GPT-SoVITS 自带的词典（cmudict.rep），少数单词的发音会不同。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="37"/>
        <source>Timbrel</source>
        <translation>Timbrel</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="51"/>
        <source>Library</source>
        <translation>音色库</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="52"/>
        <source>Cluster map</source>
        <translation>聚类图</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="53"/>
        <source>Emotion grid</source>
        <translation>情绪网格</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="54"/>
        <source>Evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="55"/>
        <source>Bases</source>
        <translation>底模</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="56"/>
        <source>Speak</source>
        <translation>朗读</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="57"/>
        <source>Soundboard</source>
        <translation>音效板</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="58"/>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <location filename="../menus.py" line="20"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="21"/>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../menus.py" line="23"/>
        <source>Import files…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <location filename="../menus.py" line="26"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../menus.py" line="29"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../menus.py" line="31"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="36"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="427"/>
        <location filename="../menus.py" line="37"/>
        <source>About Timbrel</source>
        <translation>关于 Timbrel</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="117"/>
        <source>Starting the automatic evaluation</source>
        <translation>正在启动自动评估</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="119"/>
        <source>The automatic evaluation could not start</source>
        <translation>自动评估无法启动</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="153"/>
        <source>Playing: %1</source>
        <translation>正在播放：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="222"/>
        <source>Reading the runtime</source>
        <translation>正在读取运行时</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="240"/>
        <source>Looking up a cue</source>
        <translation>正在查找快捷台词</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="279"/>
        <source>Import a folder of voices</source>
        <translation>导入音色文件夹</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="310"/>
        <source>Switching output</source>
        <translation>正在切换输出</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="322"/>
        <location filename="../mainwindow.py" line="421"/>
        <source>Checking the GPT-SoVITS assets</source>
        <translation>正在检查 GPT-SoVITS 资源</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="323"/>
        <source>The GPT-SoVITS assets folder was not linked</source>
        <translation>未能关联 GPT-SoVITS 资源文件夹</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="327"/>
        <source>GPT-SoVITS assets unlinked.</source>
        <translation>已取消关联 GPT-SoVITS 资源。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="329"/>
        <source>GPT-SoVITS assets linked: %1</source>
        <translation>已关联 GPT-SoVITS 资源：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="366"/>
        <source>Emotion model unlinked: emotion suggestions are a weak guess from prosody.</source>
        <translation>已取消关联情绪模型：情绪建议只是根据韵律做出的粗略猜测。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="368"/>
        <source>Emotion model linked: %1. Analyse the library to hear each clip&apos;s emotion.</source>
        <translation>已关联情绪模型：%1。请分析音色库以识别每个片段的情绪。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="372"/>
        <source>Checking the emotion model</source>
        <translation>正在检查情绪模型</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="373"/>
        <source>The emotion model was not linked</source>
        <translation>未能关联情绪模型</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="377"/>
        <source>Opening the audio output</source>
        <translation>正在打开音频输出</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="384"/>
        <source>PortAudio is not installed, so Timbrel cannot play sound (on Debian/Ubuntu: sudo apt-get install libportaudio2).</source>
        <translation>未安装 PortAudio，Timbrel 无法播放声音（Debian/Ubuntu：sudo apt-get install libportaudio2）。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="387"/>
        <source>The &apos;sounddevice&apos; package is not installed, so Timbrel cannot play sound.</source>
        <translation>未安装 sounddevice 软件包，Timbrel 无法播放声音。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="389"/>
        <source>The audio system reported an error.</source>
        <translation>音频系统报告了错误。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="391"/>
        <source>There is no default audio output device.</source>
        <translation>没有默认的音频输出设备。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="394"/>
        <source>There is no audio output device named %1.</source>
        <translation>没有名为 %1 的音频输出设备。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="395"/>
        <source>The audio output could not be opened.</source>
        <translation>无法打开音频输出。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="401"/>
        <source>🔇 No sound</source>
        <translation>🔇 无声音</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="402"/>
        <source>Audio goes to a silent output: %1</source>
        <translation>音频被送到静音输出：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="404"/>
        <source>No sound: %1</source>
        <translation>无声音：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="415"/>
        <source>The linked GPT-SoVITS assets are incomplete (%1): GPT-SoVITS voices cannot speak until this is fixed in Settings.</source>
        <translation>已关联的 GPT-SoVITS 资源不完整（%1）：在设置中修复之前，GPT-SoVITS 音色无法朗读。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="428"/>
        <source>Timbrel %1
Hundreds of cloned voices on one GPU.</source>
        <translation>Timbrel %1
一张显卡，几百个克隆音色。</translation>
    </message>
</context>
<context>
    <name>MonitorView</name>
    <message>
        <location filename="../views/monitor.py" line="31"/>
        <source>Apply budget</source>
        <translation>应用预算</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="42"/>
        <source>VRAM budget:</source>
        <translation>显存预算：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="47"/>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="48"/>
        <source>In use:</source>
        <translation>已用：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="49"/>
        <source>Prefetch:</source>
        <translation>预取：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="50"/>
        <source>Queue:</source>
        <translation>队列：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="51"/>
        <source>Resident bases</source>
        <translation>常驻底模</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="53"/>
        <source>Swap log</source>
        <translation>换入日志</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="70"/>
        <source>Reading the runtime</source>
        <translation>正在读取运行时</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="71"/>
        <source>Could not read the runtime</source>
        <translation>无法读取运行时</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="79"/>
        <source>%1 of %2 MB</source>
        <translation>%1 / %2 MB</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="82"/>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="83"/>
        <location filename="../views/monitor.py" line="131"/>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="97"/>
        <source>Changing the VRAM budget</source>
        <translation>正在修改显存预算</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="98"/>
        <source>Could not change the VRAM budget</source>
        <translation>无法修改显存预算</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="101"/>
        <source>budget set to %1 MB</source>
        <translation>预算已设为 %1 MB</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="116"/>
        <source>loaded %1 (%2 MB, %3 s, %4)%5</source>
        <translation>已加载 %1（%2 MB，%3 秒，%4）%5</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="121"/>
        <source>; evicted %1</source>
        <translation>；已换出 %1</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="124"/>
        <source>hit</source>
        <translation>命中</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="124"/>
        <source>miss</source>
        <translation>未命中</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="124"/>
        <source>staging</source>
        <translation>暂存中</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="127"/>
        <source>prefetch %1: %2</source>
        <translation>预取 %1：%2</translation>
    </message>
</context>
<context>
    <name>OptionsPage</name>
    <message>
        <location filename="../views/consolidation_wizard.py" line="46"/>
        <source>How to choose each cluster&apos;s base</source>
        <translation>如何为每个簇选择底模</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="47"/>
        <source>Every cluster gets one base; the per-voice models it replaces are archived, not deleted, until you purge them.</source>
        <translation>每个簇获得一个底模；被替换的单音色模型会归档而不是删除，直到你清除它们。</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="49"/>
        <source>The model of the voice nearest the cluster&apos;s timbre centre (fast)</source>
        <translation>最接近簇音色中心的音色的模型（快）</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="50"/>
        <source>The model whose synthesis sounds most like the cluster&apos;s voices (slow)</source>
        <translation>合成效果最像簇内音色的模型（慢）</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="53"/>
        <source>Use this base for every cluster, even those with their own models</source>
        <translation>所有簇都使用此底模，包括有自有模型的簇</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="55"/>
        <source>Base for clusters without a model of their own:</source>
        <translation>没有自有模型的簇使用的底模：</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="65"/>
        <source>(none: they keep what they have)</source>
        <translation>（无：保持现有的）</translation>
    </message>
</context>
<context>
    <name>PairImportBox</name>
    <message>
        <location filename="../views/bases_import.py" line="48"/>
        <source>Import a GPT-SoVITS base</source>
        <translation>导入 GPT-SoVITS 底模</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="56"/>
        <source>name for the new base</source>
        <translation>新底模的名称</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="57"/>
        <source>Choose files…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="58"/>
        <source>Import pair</source>
        <translation>导入模型对</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="61"/>
        <source>GPT:</source>
        <translation>GPT：</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="62"/>
        <source>SoVITS:</source>
        <translation>SoVITS：</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="63"/>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="78"/>
        <source>Choose the GPT .ckpt and the SoVITS .pth</source>
        <translation>选择 GPT .ckpt 和 SoVITS .pth</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="79"/>
        <source>GPT-SoVITS weights (*.ckpt *.pth)</source>
        <translation>GPT-SoVITS 权重 (*.ckpt *.pth)</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="91"/>
        <source>%1 is not a GPT-SoVITS weights file (.ckpt or .pth).</source>
        <translation>%1 不是 GPT-SoVITS 权重文件（.ckpt 或 .pth）。</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="92"/>
        <source>(drop or choose the .ckpt)</source>
        <translation>（拖入或选择 .ckpt）</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="93"/>
        <source>(drop or choose the .pth)</source>
        <translation>（拖入或选择 .pth）</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="114"/>
        <source>Stored base %1.</source>
        <translation>已保存底模 %1。</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="119"/>
        <source>Could not import the base</source>
        <translation>无法导入底模</translation>
    </message>
    <message>
        <location filename="../views/bases_import.py" line="121"/>
        <source>Converting the GPT-SoVITS pair</source>
        <translation>正在转换 GPT-SoVITS 模型对</translation>
    </message>
</context>
<context>
    <name>PlanPage</name>
    <message>
        <location filename="../views/consolidation_wizard.py" line="79"/>
        <source>The plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="80"/>
        <source>Nothing has changed yet. Check what happens to each cluster and voice, then apply.</source>
        <translation>尚未做任何更改。请检查每个簇和音色将发生的变化，然后应用。</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="83"/>
        <location filename="../views/consolidation_wizard.py" line="84"/>
        <source>Cluster</source>
        <translation>簇</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="83"/>
        <source>Voices</source>
        <translation>音色</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="83"/>
        <source>Base after</source>
        <translation>之后的底模</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="83"/>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="84"/>
        <source>Voice</source>
        <translation>音色</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="84"/>
        <source>Served now by</source>
        <translation>当前由谁服务</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="84"/>
        <source>Served after by</source>
        <translation>之后由谁服务</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="96"/>
        <source>Planning…</source>
        <translation>正在规划…</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="101"/>
        <source>Planning the consolidation</source>
        <translation>正在规划整合</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="107"/>
        <source>No plan: %1</source>
        <translation>无法制定计划：%1</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="115"/>
        <source>Storage: %1 bases, %2 now → %3 bases, %4 after (%5% less). Archived until purged: %6.</source>
        <translation>存储：当前 %1 个底模、%2 → 之后 %3 个底模、%4（减少 %5%）。归档直到清除：%6。</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="119"/>
        <source>adopt a voice&apos;s model</source>
        <translation>采用某个音色的模型</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="119"/>
        <source>pretrained base, zero-shot</source>
        <translation>预训练底模，零样本</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="120"/>
        <source>keep its base</source>
        <translation>保留其底模</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="123"/>
        <source>no base</source>
        <translation>无底模</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="126"/>
        <source>no model of its own and no base chosen: it keeps speaking through the preview fallback</source>
        <translation>没有自有模型也未选择底模：继续通过预览回退说话</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="133"/>
        <source>%1 (unchanged)</source>
        <translation>%1（不变）</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="133"/>
        <location filename="../views/consolidation_wizard.py" line="134"/>
        <source>nothing</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="137"/>
        <source>Archived: %1</source>
        <translation>已归档：%1</translation>
    </message>
    <message>
        <location filename="../views/consolidation_wizard.py" line="138"/>
        <source>No per-voice model is archived.</source>
        <translation>没有单音色模型被归档。</translation>
    </message>
</context>
<context>
    <name>PlannerDialog</name>
    <message>
        <location filename="../views/planner.py" line="24"/>
        <source>How many bases?</source>
        <translation>需要多少个底模？</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="28"/>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="30"/>
        <source>Recompute</source>
        <translation>重新计算</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="32"/>
        <source>VRAM limit:</source>
        <translation>显存上限：</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="37"/>
        <source>Bases</source>
        <translation>底模</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="37"/>
        <source>Fit (mean)</source>
        <translation>契合度（平均）</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="37"/>
        <source>Fit (worst voice)</source>
        <translation>契合度（最差音色）</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="38"/>
        <source>Storage (MB)</source>
        <translation>存储（MB）</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="38"/>
        <source>VRAM, all resident (MB)</source>
        <translation>显存，全部常驻（MB）</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="38"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="47"/>
        <source>Fit: each voice&apos;s similarity (cosine) to the timbre centre of the other voices in its group; 1 means a voice alone in its group. More bases fit better but take more storage and VRAM.</source>
        <translation>契合度：每个音色与其组内其他音色音色中心的相似度（余弦）；1 表示该音色独自成组。底模越多契合越好，但占用更多存储和显存。</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="51"/>
        <source>Re-cluster into the selected number</source>
        <translation>按所选数量重新聚类</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="54"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="73"/>
        <source>Computing…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="78"/>
        <source>Planning bases</source>
        <translation>正在规划底模</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="92"/>
        <source>recommended</source>
        <translation>推荐</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="94"/>
        <source>now</source>
        <translation>当前</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="96"/>
        <source>over the VRAM limit: bases swap</source>
        <translation>超出显存上限：底模需换入换出</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="109"/>
        <source>stored bases</source>
        <translation>已保存的底模</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="109"/>
        <source>a typical GPT-SoVITS v2 pair</source>
        <translation>典型的 GPT-SoVITS v2 模型对</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="110"/>
        <source>%1 voices. One base ≈ %2 MB (%3); the shared models take %4 MB once. Recommended: %5 bases.</source>
        <translation>%1 个音色。每个底模约 %2 MB（%3）；共享模型只占一次 %4 MB。推荐：%5 个底模。</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="134"/>
        <source>Re-clustered into %1 groups; %2 clusters kept their ids.</source>
        <translation>已重新聚类为 %1 组；%2 个簇保留了编号。</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="139"/>
        <source>Re-clustering</source>
        <translation>正在重新聚类</translation>
    </message>
    <message>
        <location filename="../views/planner.py" line="140"/>
        <source>Could not re-cluster</source>
        <translation>无法重新聚类</translation>
    </message>
</context>
<context>
    <name>ServerPanel</name>
    <message>
        <location filename="../views/server.py" line="28"/>
        <source>HTTP server</source>
        <translation>HTTP 服务器</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="32"/>
        <source>Serve on port</source>
        <translation>在端口上提供服务</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="35"/>
        <source>any free port</source>
        <translation>任意空闲端口</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="45"/>
        <source>URL:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="56"/>
        <source>The HTTP server is not installed (pip install &apos;timbrel[server]&apos;).</source>
        <translation>未安装 HTTP 服务器（pip install &apos;timbrel[server]&apos;）。</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="58"/>
        <source>api_v2 clients (GPT-SoVITS&apos; API) and OpenAI speech clients can use this address; only this computer can reach it.</source>
        <translation>api_v2 客户端（GPT-SoVITS 的 API）和 OpenAI 语音客户端可以使用此地址；只有本机可以访问。</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="84"/>
        <source>starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="94"/>
        <source>Starting the HTTP server</source>
        <translation>正在启动 HTTP 服务器</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="112"/>
        <source>Could not start the HTTP server</source>
        <translation>无法启动 HTTP 服务器</translation>
    </message>
    <message>
        <location filename="../views/server.py" line="133"/>
        <source>%1 in flight, %2 served</source>
        <translation>进行中 %1 个，已处理 %2 个</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../dialogs.py" line="44"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="45"/>
        <source>Library folder</source>
        <translation>音色库文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="46"/>
        <source>GPT-SoVITS pretrained models folder</source>
        <translation>GPT-SoVITS 预训练模型文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="48"/>
        <source>emotion2vec+ model folder (or a folder holding one)</source>
        <translation>emotion2vec+ 模型文件夹（或包含它的文件夹）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="55"/>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="59"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="63"/>
        <source>Enable global hotkeys (X11, Windows, macOS)</source>
        <translation>启用全局热键（X11、Windows、macOS）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="66"/>
        <source>Library folder:</source>
        <translation>音色库文件夹：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="67"/>
        <source>GPT-SoVITS assets:</source>
        <translation>GPT-SoVITS 资源：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="68"/>
        <source>Emotion model:</source>
        <translation>情绪模型：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="69"/>
        <source>VRAM limit:</source>
        <translation>显存上限：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="70"/>
        <source>Audio output:</source>
        <translation>音频输出：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="72"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="73"/>
        <source>Hotkeys:</source>
        <translation>热键：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="74"/>
        <source>A new library folder or language takes effect the next time Timbrel starts.</source>
        <translation>新的音色库文件夹或语言在下次启动 Timbrel 时生效。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="84"/>
        <source>Listing audio outputs</source>
        <translation>正在列出音频输出</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="99"/>
        <source>%1 (not connected)</source>
        <translation>%1（未连接）</translation>
    </message>
    <message numerus="yes">
        <location filename="../dialogs.py" line="102"/>
        <source>%n output device(s) found.</source>
        <translation>
            <numerusform>找到 %n 个输出设备。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SpeakView</name>
    <message>
        <location filename="../views/speak.py" line="47"/>
        <source>Type what the voice should say…</source>
        <translation>输入要朗读的文字…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="51"/>
        <source>(voice default)</source>
        <translation>（音色默认）</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="58"/>
        <source>Voice:</source>
        <translation>音色：</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="59"/>
        <source>Emotion:</source>
        <translation>情绪：</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="60"/>
        <source>Spoken by:</source>
        <translation>朗读者：</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="62"/>
        <source>Speak</source>
        <translation>朗读</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="64"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="66"/>
        <source>Save as WAV…</source>
        <translation>另存为 WAV…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="93"/>
        <source>Loading voices</source>
        <translation>正在加载音色</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="128"/>
        <source>Prefetching</source>
        <translation>正在预取</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="153"/>
        <source>Finding the voice&apos;s base</source>
        <translation>正在查找音色的底模</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="161"/>
        <source>nothing yet: %1</source>
        <translation>暂无：%1</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="163"/>
        <source>%1 — the preview voice, a stand-in that is not a clone of this voice</source>
        <translation>%1——预览音色，只是替代，并不是此音色的克隆</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="172"/>
        <source>Spoken with the preview voice (%1), not a clone of this voice.</source>
        <translation>使用预览音色（%1）朗读，并不是此音色的克隆。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="175"/>
        <source>Spoken by base %1.</source>
        <translation>由底模 %1 朗读。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="178"/>
        <source>No %1 clip: prompted with clip #%2 (%3).</source>
        <translation>没有“%1”片段：使用片段 #%2（%3）作为提示。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="180"/>
        <source>no emotion label</source>
        <translation>无情绪标签</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="183"/>
        <source>This base ignores: %1.</source>
        <translation>此底模忽略：%1。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="193"/>
        <location filename="../views/speak.py" line="284"/>
        <source>Choose a voice and type some text first.</source>
        <translation>请先选择音色并输入文字。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="199"/>
        <source>Speaking…</source>
        <translation>正在朗读…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="217"/>
        <source>Speaking</source>
        <translation>正在朗读</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="250"/>
        <source>Spoke %1 s.</source>
        <translation>已朗读 %1 秒。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="252"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="261"/>
        <source>Could not speak</source>
        <translation>无法朗读</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="277"/>
        <source>Save speech as WAV</source>
        <translation>将语音保存为 WAV</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="277"/>
        <source>WAV audio (*.wav)</source>
        <translation>WAV 音频 (*.wav)</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="316"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="317"/>
        <source>Saving WAV</source>
        <translation>正在保存 WAV</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="318"/>
        <source>Could not save the WAV file</source>
        <translation>无法保存 WAV 文件</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="321"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>SynthesisOptionsWidget</name>
    <message>
        <location filename="../widgets/synthesis_options.py" line="31"/>
        <source>Synthesis settings</source>
        <translation>合成设置</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="43"/>
        <source>No split</source>
        <translation>不切分</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="43"/>
        <source>Every four sentences</source>
        <translation>每四句</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="43"/>
        <source>Every 50 characters</source>
        <translation>每 50 个字符</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="44"/>
        <source>At Chinese full stops (。)</source>
        <translation>按中文句号（。）</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="44"/>
        <source>At English full stops (.)</source>
        <translation>按英文句号（.）</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="45"/>
        <source>At every punctuation mark</source>
        <translation>按每个标点符号</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="53"/>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="55"/>
        <source>the voice&apos;s language</source>
        <translation>音色自身的语言</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="55"/>
        <source>auto (detect)</source>
        <translation>自动（检测）</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="55"/>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="56"/>
        <source>English</source>
        <translation>英语</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="56"/>
        <source>Japanese</source>
        <translation>日语</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="56"/>
        <source>Korean</source>
        <translation>韩语</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="56"/>
        <source>Cantonese</source>
        <translation>粤语</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="59"/>
        <source>Reference-free (do not prompt with the clip&apos;s transcript)</source>
        <translation>无参考文本模式（不使用片段的文本作为提示）</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="62"/>
        <source>Add extra timbre references…</source>
        <translation>添加额外音色参考…</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="63"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="64"/>
        <source>Reset to defaults</source>
        <translation>恢复默认值</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="65"/>
        <source>Save as this voice&apos;s defaults</source>
        <translation>保存为此音色的默认设置</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="70"/>
        <source>Top-k:</source>
        <translation>Top-k：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="71"/>
        <source>Top-p:</source>
        <translation>Top-p：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="72"/>
        <source>Temperature:</source>
        <translation>温度：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="73"/>
        <source>Repetition penalty:</source>
        <translation>重复惩罚：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="74"/>
        <source>Text split:</source>
        <translation>文本切分：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="75"/>
        <source>Speed:</source>
        <translation>语速：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="76"/>
        <source>Pause between pieces (s):</source>
        <translation>片段间停顿（秒）：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="77"/>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="78"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="167"/>
        <source>Extra timbre references</source>
        <translation>额外音色参考</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="168"/>
        <source>Audio (*.wav *.flac *.ogg *.mp3)</source>
        <translation>音频 (*.wav *.flac *.ogg *.mp3)</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="188"/>
        <source>Loading the voice&apos;s settings</source>
        <translation>正在加载音色设置</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="195"/>
        <source>Using the settings saved for %1.</source>
        <translation>使用为 %1 保存的设置。</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="196"/>
        <source>%1 has no saved settings: GPT-SoVITS&apos; defaults are shown.</source>
        <translation>%1 没有保存的设置：显示的是 GPT-SoVITS 的默认值。</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="201"/>
        <source>Choose a voice first.</source>
        <translation>请先选择一个音色。</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="212"/>
        <source>Saved as the defaults of %1.</source>
        <translation>已保存为 %1 的默认设置。</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="215"/>
        <source>Saving the voice&apos;s settings</source>
        <translation>正在保存音色设置</translation>
    </message>
    <message>
        <location filename="../widgets/synthesis_options.py" line="216"/>
        <source>Could not save the settings</source>
        <translation>无法保存设置</translation>
    </message>
</context>
<context>
    <name>VoiceModel</name>
    <message>
        <location filename="../views/voice_table.py" line="96"/>
        <source>Voice</source>
        <translation>音色</translation>
    </message>
    <message>
        <location filename="../views/voice_table.py" line="96"/>
        <source>Clips</source>
        <translation>片段</translation>
    </message>
    <message>
        <location filename="../views/voice_table.py" line="96"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../views/voice_table.py" line="96"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../views/voice_table.py" line="96"/>
        <source>Cluster</source>
        <translation>簇</translation>
    </message>
    <message>
        <location filename="../views/voice_table.py" line="97"/>
        <source>Emotions</source>
        <translation>情绪</translation>
    </message>
    <message>
        <location filename="../views/voice_table.py" line="237"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../views/voice_table.py" line="247"/>
        <source>Has: %1
Missing: %2</source>
        <translation>已有：%1
缺少：%2</translation>
    </message>
</context>
</TS>
