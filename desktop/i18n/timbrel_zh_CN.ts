<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AppContext</name>
    <message>
        <location filename="../context.py" line="44"/>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
</context>
<context>
    <name>ClusterMapView</name>
    <message>
        <location filename="../views/clustermap.py" line="61"/>
        <source>Pin to cluster</source>
        <translation>固定到簇</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="62"/>
        <source>Unpin</source>
        <translation>取消固定</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="63"/>
        <source>Rename cluster…</source>
        <translation>重命名簇…</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="67"/>
        <source>groups: </source>
        <translation>分组数：</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="68"/>
        <source>Re-cluster</source>
        <translation>重新聚类</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="69"/>
        <source>Analyze new clips</source>
        <translation>分析新片段</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="77"/>
        <source>Voice:</source>
        <translation>音色：</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="79"/>
        <source>→</source>
        <translation>→</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="106"/>
        <source>Timbre analysis is not available in this build yet.</source>
        <translation>此版本暂不支持音色分析。</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="129"/>
        <source>Loading the cluster map</source>
        <translation>正在加载聚类图</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="130"/>
        <source>Could not load the cluster map</source>
        <translation>无法加载聚类图</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="171"/>
        <source>No voice has been analysed yet: import voices, then press “Analyze new clips”.</source>
        <translation>还没有分析过任何音色：请先导入音色，然后点击“分析新片段”。</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="173"/>
        <source>%1 voices in %2 clusters. A pinned voice (thick outline) stays in its cluster when you re-cluster.</source>
        <translation>%1 个音色，%2 个簇。已固定的音色（粗边框）在重新聚类时保持在原簇中。</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="231"/>
        <source>Pinning the voice</source>
        <translation>正在固定音色</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="236"/>
        <source>Unpinning the voice</source>
        <translation>正在取消固定</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="245"/>
        <source>Rename cluster</source>
        <translation>重命名簇</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="245"/>
        <source>Name for cluster #%1:</source>
        <translation>簇 #%1 的名称：</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="252"/>
        <source>Renaming the cluster</source>
        <translation>正在重命名簇</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="256"/>
        <source>Re-clustering</source>
        <translation>正在重新聚类</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="263"/>
        <source>Analysing clips</source>
        <translation>正在分析片段</translation>
    </message>
    <message>
        <location filename="../views/clustermap.py" line="267"/>
        <source>Analysing clips: %1 of %2</source>
        <translation>正在分析片段：%1 / %2</translation>
    </message>
</context>
<context>
    <name>CueEditor</name>
    <message>
        <location filename="../views/cues.py" line="25"/>
        <source>Edit cue</source>
        <translation>编辑快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="25"/>
        <source>New cue</source>
        <translation>新建快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="32"/>
        <source>(voice default)</source>
        <translation>（音色默认）</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="45"/>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="46"/>
        <source>Voice:</source>
        <translation>音色：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="47"/>
        <source>Emotion:</source>
        <translation>情绪：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="48"/>
        <source>Text:</source>
        <translation>文本：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="49"/>
        <source>In-app shortcut:</source>
        <translation>应用内快捷键：</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="50"/>
        <source>Global hotkey:</source>
        <translation>全局热键：</translation>
    </message>
</context>
<context>
    <name>CuesView</name>
    <message>
        <location filename="../views/cues.py" line="102"/>
        <source>New cue…</source>
        <translation>新建快捷台词…</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="103"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="104"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="105"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="106"/>
        <source>Stop the sound and drop the queued cues</source>
        <translation>停止声音并清空排队的快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="107"/>
        <source>Skip</source>
        <translation>跳过</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="108"/>
        <source>End the sound playing now; queued cues go on</source>
        <translation>结束当前声音；排队的快捷台词继续播放</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="123"/>
        <source>No cues yet. A cue is a saved line (voice, emotion, text) you can play with one click, a shortcut, a global hotkey, or &apos;timbrel trigger NAME&apos;.</source>
        <translation>还没有快捷台词。快捷台词是保存好的一句话（音色、情绪、文本），可以一键、快捷键、全局热键或 &apos;timbrel trigger 名称&apos; 播放。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="145"/>
        <source>Loading cues</source>
        <translation>正在加载快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="146"/>
        <source>Could not load the cues</source>
        <translation>无法加载快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="190"/>
        <source>Global hotkeys are off.</source>
        <translation>全局热键已关闭。</translation>
    </message>
    <message numerus="yes">
        <location filename="../views/cues.py" line="196"/>
        <source>%n global hotkey(s) active.</source>
        <translation>
            <numerusform>%n 个全局热键已启用。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="198"/>
        <source>Global hotkeys are unavailable here: %1</source>
        <translation>此环境无法使用全局热键：%1</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="200"/>
        <source>Not usable: %1</source>
        <translation>无法使用：%1</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="201"/>
        <source>Any desktop can bind &apos;timbrel trigger NAME&apos; to a key.</source>
        <translation>任何桌面环境都可以把 &apos;timbrel trigger 名称&apos; 绑定到按键。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="225"/>
        <source>Prefetching</source>
        <translation>正在预取</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="228"/>
        <source>Playing cue “%1”</source>
        <translation>正在播放快捷台词“%1”</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="244"/>
        <source>Playing a cue</source>
        <translation>正在播放快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="246"/>
        <source>Could not play the cue</source>
        <translation>无法播放快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="261"/>
        <source>New cue</source>
        <translation>新建快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="261"/>
        <source>Import a voice first.</source>
        <translation>请先导入一个音色。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="270"/>
        <location filename="../views/cues.py" line="289"/>
        <source>Click a cue first.</source>
        <translation>请先点击一个快捷台词。</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="284"/>
        <source>Saving the cue</source>
        <translation>正在保存快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="284"/>
        <source>Could not save the cue</source>
        <translation>无法保存快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="292"/>
        <source>Removing the cue</source>
        <translation>正在删除快捷台词</translation>
    </message>
    <message>
        <location filename="../views/cues.py" line="293"/>
        <source>Could not remove the cue</source>
        <translation>无法删除快捷台词</translation>
    </message>
</context>
<context>
    <name>Emotion</name>
    <message>
        <location filename="../views/library.py" line="642"/>
        <source>angry</source>
        <translation>生气</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="643"/>
        <source>disgusted</source>
        <translation>厌恶</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="644"/>
        <source>fearful</source>
        <translation>害怕</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="645"/>
        <source>happy</source>
        <translation>开心</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="646"/>
        <source>neutral</source>
        <translation>平静</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="647"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="648"/>
        <source>sad</source>
        <translation>难过</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="649"/>
        <source>surprised</source>
        <translation>惊讶</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="650"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>EvaluationView</name>
    <message>
        <location filename="../views/evaluation.py" line="98"/>
        <source>Evaluate now</source>
        <translation>立即评估</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="99"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="104"/>
        <source>Re-evaluate automatically after changes</source>
        <translation>更改后自动重新评估</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="105"/>
        <source>When a cluster gets another base, or the library is re-clustered, evaluate again in the background.</source>
        <translation>当某个簇换了底模，或音色库重新聚类后，在后台重新评估。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="109"/>
        <source>Clusters:</source>
        <translation>簇：</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="127"/>
        <source>Voice</source>
        <translation>音色</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="127"/>
        <source>Cluster</source>
        <translation>簇</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="127"/>
        <source>Base (version)</source>
        <translation>底模（版本）</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="127"/>
        <source>Similarity to own references</source>
        <translation>与自身参考音频的相似度</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="128"/>
        <source>Best other in cluster / margin</source>
        <translation>簇内最相似的其他音色 / 差距</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="128"/>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="128"/>
        <source>Evaluated</source>
        <translation>评估时间</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="135"/>
        <source>Apply move</source>
        <translation>执行移动</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="137"/>
        <source>Pin the selected voice to the cluster the evaluation proposes.</source>
        <translation>把选中的音色固定到评估建议的簇。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="138"/>
        <source>History of the selected voice</source>
        <translation>选中音色的评估历史</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="170"/>
        <source>Evaluation is not available in this build.</source>
        <translation>此版本不提供评估功能。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="174"/>
        <location filename="../views/evaluation.py" line="300"/>
        <source>No evaluation yet: press “Evaluate now”.</source>
        <translation>还没有评估：请点击“立即评估”。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="207"/>
        <source>Automatic evaluation is on.</source>
        <translation>自动评估已开启。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="226"/>
        <source>Loading the evaluations</source>
        <translation>正在加载评估结果</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="228"/>
        <source>Could not load the evaluations</source>
        <translation>无法加载评估结果</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="238"/>
        <source>All clusters</source>
        <translation>所有簇</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="241"/>
        <source>no base</source>
        <translation>无底模</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="252"/>
        <source>move → %1</source>
        <translation>移动 → %1</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="254"/>
        <source>poorly served</source>
        <translation>效果不佳</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="256"/>
        <source>split</source>
        <translation>拆分</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="258"/>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="263"/>
        <source>%1 (v%2)</source>
        <translation>%1（v%2）</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="295"/>
        <source>%1 voices evaluated, %2 flagged.</source>
        <translation>已评估 %1 个音色，%2 个被标记。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="298"/>
        <source>No clusters yet: analyse and cluster the library first (Cluster map).</source>
        <translation>还没有簇：请先在“聚类图”中分析并聚类音色库。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="305"/>
        <source>Clusters without a base cannot be evaluated (their voices cannot speak): %1. Assign a base with &apos;timbrel base assign CLUSTER BASE&apos;, or give every cluster a preview base with &apos;timbrel demo preview-bases&apos;.</source>
        <translation>没有底模的簇无法评估（其中的音色无法发声）：%1。请用 &apos;timbrel base assign CLUSTER BASE&apos; 分配底模，或用 &apos;timbrel demo preview-bases&apos; 为每个簇分配预览底模。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="320"/>
        <source>Evaluating</source>
        <translation>正在评估</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="321"/>
        <source>Evaluating cluster %1</source>
        <translation>正在评估簇 %1</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="327"/>
        <source>The evaluation failed</source>
        <translation>评估失败</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="341"/>
        <source>Evaluation finished: %1 voices, %2 flagged.</source>
        <translation>评估完成：%1 个音色，%2 个被标记。</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="380"/>
        <source>Loading the evaluation history</source>
        <translation>正在加载评估历史</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="382"/>
        <source>Could not load the evaluation history</source>
        <translation>无法加载评估历史</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="394"/>
        <source>%1  run %2  cluster %3  %4  similarity %5  %6</source>
        <translation>%1  第 %2 次运行  簇 %3  %4  相似度 %5  %6</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="404"/>
        <source>Moving %1</source>
        <translation>正在移动 %1</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="405"/>
        <source>The voice was not moved</source>
        <translation>音色未能移动</translation>
    </message>
    <message>
        <location filename="../views/evaluation.py" line="409"/>
        <source>%1 moved to cluster %2 (pinned).</source>
        <translation>%1 已移动到簇 %2（已固定）。</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../dialogs.py" line="130"/>
        <source>Welcome to Timbrel</source>
        <translation>欢迎使用 Timbrel</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="131"/>
        <source>&lt;h3&gt;Welcome to Timbrel&lt;/h3&gt;&lt;p&gt;Timbrel keeps your cloned voices in a library folder. Voices with a similar timbre share one GPT-SoVITS base, so hundreds of voices fit on one GPU.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;欢迎使用 Timbrel&lt;/h3&gt;&lt;p&gt;Timbrel 把你克隆的音色保存在一个音色库文件夹中。音色相近的声音共享同一个 GPT-SoVITS 底模，所以一张显卡就能放下几百个音色。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="136"/>
        <source>Library folder</source>
        <translation>音色库文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="137"/>
        <source>GPT-SoVITS pretrained models folder</source>
        <translation>GPT-SoVITS 预训练模型文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="138"/>
        <source>Optional: the GPT-SoVITS &apos;pretrained_models&apos; folder (HuBERT, BERT, base checkpoints). You can skip this and link it later in Settings.</source>
        <translation>可选：GPT-SoVITS 的 &apos;pretrained_models&apos; 文件夹（HuBERT、BERT、底模）。可以先跳过，以后在设置中关联。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="142"/>
        <source>Library folder:</source>
        <translation>音色库文件夹：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="143"/>
        <source>GPT-SoVITS assets:</source>
        <translation>GPT-SoVITS 资源：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="145"/>
        <source>Add the demo voices if the library is empty (four small synthetic voices that speak through the preview voice)</source>
        <translation>如果音色库为空，添加演示音色（四个小型合成音色，通过预览语音发声）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="150"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="151"/>
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
        <location filename="../views/grid.py" line="32"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="41"/>
        <source>Timbre analysis is not available in this build yet.</source>
        <translation>此版本暂不支持音色分析。</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="48"/>
        <source>Loading the grid</source>
        <translation>正在加载情绪网格</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="49"/>
        <source>Could not load the emotion grid</source>
        <translation>无法加载情绪网格</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="59"/>
        <source>unclustered</source>
        <translation>未聚类</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="69"/>
        <source>No %1 clip in this cluster: import or label one.</source>
        <translation>此簇没有“%1”的片段：请导入或标注一个。</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="72"/>
        <source>Without a %1 clip: %2</source>
        <translation>缺少“%1”片段的音色：%2</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="77"/>
        <source>%1 clusters × %2 emotions, %3 gaps (red).</source>
        <translation>%1 个簇 × %2 种情绪，%3 处缺口（红色）。</translation>
    </message>
    <message>
        <location filename="../views/grid.py" line="80"/>
        <source>No clusters yet: analyse and cluster the library first (Cluster map).</source>
        <translation>还没有簇：请先在“聚类图”中分析并聚类音色库。</translation>
    </message>
</context>
<context>
    <name>LibraryView</name>
    <message>
        <location filename="../views/library.py" line="147"/>
        <source>Search voices, tags, clusters…</source>
        <translation>搜索音色、标签、簇…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="149"/>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="150"/>
        <source>Import files…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="182"/>
        <source>tags, separated by commas</source>
        <translation>标签，用逗号分隔</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="184"/>
        <source>Tags:</source>
        <translation>标签：</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="188"/>
        <source>Waveform</source>
        <translation>波形</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="188"/>
        <source>Transcript</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="188"/>
        <source>Emotion</source>
        <translation>情绪</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="188"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="188"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="209"/>
        <source>Select a voice to see its clips.</source>
        <translation>选择一个音色以查看它的片段。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="230"/>
        <source>Your library is empty.
Drop audio files or folders here, or import a folder (one sub-folder per voice; emotion names like happy/ or 开心/ become labels).</source>
        <translation>音色库是空的。
把音频文件或文件夹拖到这里，或导入一个文件夹（每个音色一个子文件夹；happy/、开心/ 这样的情绪名会成为标签）。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="234"/>
        <source>Import a folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="235"/>
        <source>Add the demo voices</source>
        <translation>添加示例音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="236"/>
        <source>Four small synthetic voices to try the app with.</source>
        <translation>四个小型合成音色，用来试用本应用。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="255"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="310"/>
        <source>Loading voices</source>
        <translation>正在加载音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="315"/>
        <source>Could not read the library</source>
        <translation>无法读取音色库</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="360"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="361"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="367"/>
        <source>Rename voice</source>
        <translation>重命名音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="367"/>
        <source>New name for “%1”:</source>
        <translation>“%1”的新名称：</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="384"/>
        <source>Renaming the voice</source>
        <translation>正在重命名音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="385"/>
        <source>Could not rename the voice</source>
        <translation>无法重命名音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="391"/>
        <source>Delete voice</source>
        <translation>删除音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="392"/>
        <source>Delete “%1” with its clips and cues? Its history is deleted too; clip audio other voices use is kept.</source>
        <translation>删除“%1”及其片段和快捷台词？它的历史记录也会被删除；其他音色使用的片段音频会保留。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="405"/>
        <source>Deleting the voice</source>
        <translation>正在删除音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="406"/>
        <source>Could not delete the voice</source>
        <translation>无法删除音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="415"/>
        <source>Loading clips</source>
        <translation>正在加载片段</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="416"/>
        <source>Could not read the voice</source>
        <translation>无法读取音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="432"/>
        <source>Play this clip</source>
        <translation>播放此片段</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="443"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="447"/>
        <source>Emotion label (source: %1)</source>
        <translation>情绪标签（来源：%1）</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="458"/>
        <source>Drawing waveforms</source>
        <translation>正在绘制波形</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="485"/>
        <source>Saving label</source>
        <translation>正在保存标签</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="486"/>
        <source>Could not change the label</source>
        <translation>无法修改标签</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="499"/>
        <source>Saving transcript</source>
        <translation>正在保存文本</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="500"/>
        <source>Could not change the transcript</source>
        <translation>无法修改文本</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="512"/>
        <source>Saving tags</source>
        <translation>正在保存标签</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="512"/>
        <source>Could not save the tags</source>
        <translation>无法保存标签</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="521"/>
        <source>Playing</source>
        <translation>正在播放</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="521"/>
        <source>Could not play the clip</source>
        <translation>无法播放片段</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="525"/>
        <source>Import a folder of voices</source>
        <translation>导入音色文件夹</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="531"/>
        <source>Import audio files</source>
        <translation>导入音频文件</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="531"/>
        <source>Audio (*.wav *.flac *.ogg *.mp3 *.list);;All files (*)</source>
        <translation>音频 (*.wav *.flac *.ogg *.mp3 *.list);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="537"/>
        <source>An import is already running.</source>
        <translation>已有导入正在进行。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="540"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="540"/>
        <source>Importing is not available in this build yet.</source>
        <translation>此版本暂不支持导入。</translation>
    </message>
    <message numerus="yes">
        <location filename="../views/library.py" line="542"/>
        <source>Importing %n item(s)…</source>
        <translation>
            <numerusform>正在导入 %n 项…</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../views/library.py" line="550"/>
        <source>Importing</source>
        <translation>正在导入</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="558"/>
        <source>Importing %1</source>
        <translation>正在导入 %1</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="563"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="574"/>
        <source>… and %1 more</source>
        <translation>……以及另外 %1 个</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="575"/>
        <source>Some files were not imported</source>
        <translation>部分文件未导入</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="585"/>
        <source>Imported %1 clip(s) into %2 voice(s).</source>
        <translation>已导入 %1 个片段到 %2 个音色。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="587"/>
        <source>%1 duplicate(s) skipped.</source>
        <translation>跳过 %1 个重复项。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="589"/>
        <source>%1 file(s) rejected.</source>
        <translation>拒绝了 %1 个文件。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="591"/>
        <source>Cancelled: voices finished before the cancel were kept.</source>
        <translation>已取消：取消前已完成的音色已保留。</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="597"/>
        <source>Import failed</source>
        <translation>导入失败</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="611"/>
        <source>Adding the demo voices</source>
        <translation>正在添加示例音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="613"/>
        <source>Could not add the demo voices</source>
        <translation>无法添加示例音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="618"/>
        <source>Demo voices added.</source>
        <translation>示例音色已添加。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../mainwindow.py" line="64"/>
        <source>⚠ Text frontend differs from GPT-SoVITS</source>
        <translation>⚠ 文本前端与 GPT-SoVITS 不一致</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="289"/>
        <source>Chinese polyphones are read with pypinyin&apos;s dictionary: no usable G2PW model is linked, while GPT-SoVITS always uses G2PW, so some readings differ.</source>
        <translation>中文多音字使用 pypinyin 词典读音：未链接可用的 G2PW 模型，而 GPT-SoVITS 始终使用 G2PW，因此部分读音会不同。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="292"/>
        <source>Chinese polyphones: G2PW is used without GPT-SoVITS&apos; phrase corrections (polyphonic.rep not found in the linked installation).</source>
        <translation>中文多音字：使用 G2PW，但没有 GPT-SoVITS 的词语读音校正（在链接的安装中找不到 polyphonic.rep）。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="295"/>
        <source>English: GPT-SoVITS&apos; own dictionary (cmudict.rep) was not found in the linked installation; a few words are pronounced differently.</source>
        <translation>英语：在链接的安装中找不到 GPT-SoVITS 自带的词典（cmudict.rep），少数单词的发音会不同。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="30"/>
        <source>Timbrel</source>
        <translation>Timbrel</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="45"/>
        <source>Library</source>
        <translation>音色库</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="46"/>
        <source>Cluster map</source>
        <translation>聚类图</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="47"/>
        <source>Emotion grid</source>
        <translation>情绪网格</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="48"/>
        <source>Evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="49"/>
        <source>Speak</source>
        <translation>朗读</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="50"/>
        <source>Soundboard</source>
        <translation>音效板</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="51"/>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="77"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="78"/>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="82"/>
        <source>Import files…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="86"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="91"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="95"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="101"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="102"/>
        <location filename="../mainwindow.py" line="309"/>
        <source>About Timbrel</source>
        <translation>关于 Timbrel</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="137"/>
        <source>Playing: %1</source>
        <translation>正在播放：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="204"/>
        <source>Looking up a cue</source>
        <translation>正在查找快捷台词</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="253"/>
        <source>Switching output</source>
        <translation>正在切换输出</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="268"/>
        <location filename="../mainwindow.py" line="303"/>
        <source>Checking the GPT-SoVITS assets</source>
        <translation>正在检查 GPT-SoVITS 资源</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="269"/>
        <source>The GPT-SoVITS assets folder was not linked</source>
        <translation>未能关联 GPT-SoVITS 资源文件夹</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="273"/>
        <source>GPT-SoVITS assets unlinked.</source>
        <translation>已取消关联 GPT-SoVITS 资源。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="275"/>
        <source>GPT-SoVITS assets linked: %1</source>
        <translation>已关联 GPT-SoVITS 资源：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="280"/>
        <source>Opening the audio output</source>
        <translation>正在打开音频输出</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="286"/>
        <source>🔇 No sound</source>
        <translation>🔇 无声音</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="287"/>
        <source>Audio goes to a silent output: %1</source>
        <translation>音频被送到静音输出：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="288"/>
        <source>No sound: %1</source>
        <translation>无声音：%1</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="299"/>
        <source>The linked GPT-SoVITS assets are incomplete (%1): GPT-SoVITS voices cannot speak until this is fixed in Settings.</source>
        <translation>已关联的 GPT-SoVITS 资源不完整（%1）：在设置中修复之前，GPT-SoVITS 音色无法朗读。</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="310"/>
        <source>Timbrel %1
Hundreds of cloned voices on one GPU.</source>
        <translation>Timbrel %1
一张显卡，几百个克隆音色。</translation>
    </message>
</context>
<context>
    <name>MonitorView</name>
    <message>
        <location filename="../views/monitor.py" line="30"/>
        <source>Apply budget</source>
        <translation>应用预算</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="39"/>
        <source>The GPU runtime is not available in this build yet.</source>
        <translation>此版本暂不支持 GPU 运行时。</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="44"/>
        <source>VRAM budget:</source>
        <translation>显存预算：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="49"/>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="50"/>
        <source>In use:</source>
        <translation>已用：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="51"/>
        <source>Prefetch:</source>
        <translation>预取：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="52"/>
        <source>Queue:</source>
        <translation>队列：</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="53"/>
        <source>Resident bases</source>
        <translation>常驻底模</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="55"/>
        <source>Swap log</source>
        <translation>换入日志</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="75"/>
        <source>Reading the runtime</source>
        <translation>正在读取运行时</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="76"/>
        <source>Could not read the runtime</source>
        <translation>无法读取运行时</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="84"/>
        <source>%1 of %2 MB</source>
        <translation>%1 / %2 MB</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="87"/>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="88"/>
        <location filename="../views/monitor.py" line="136"/>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="102"/>
        <source>Changing the VRAM budget</source>
        <translation>正在修改显存预算</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="103"/>
        <source>Could not change the VRAM budget</source>
        <translation>无法修改显存预算</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="106"/>
        <source>budget set to %1 MB</source>
        <translation>预算已设为 %1 MB</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="121"/>
        <source>loaded %1 (%2 MB, %3 s, %4)%5</source>
        <translation>已加载 %1（%2 MB，%3 秒，%4）%5</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="126"/>
        <source>; evicted %1</source>
        <translation>；已换出 %1</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="129"/>
        <source>hit</source>
        <translation>命中</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="129"/>
        <source>miss</source>
        <translation>未命中</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="129"/>
        <source>staging</source>
        <translation>暂存中</translation>
    </message>
    <message>
        <location filename="../views/monitor.py" line="132"/>
        <source>prefetch %1: %2</source>
        <translation>预取 %1：%2</translation>
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
        <location filename="../dialogs.py" line="53"/>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="57"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="61"/>
        <source>Enable global hotkeys (X11, Windows, macOS)</source>
        <translation>启用全局热键（X11、Windows、macOS）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="64"/>
        <source>Library folder:</source>
        <translation>音色库文件夹：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="65"/>
        <source>GPT-SoVITS assets:</source>
        <translation>GPT-SoVITS 资源：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="66"/>
        <source>VRAM limit:</source>
        <translation>显存上限：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="67"/>
        <source>Audio output:</source>
        <translation>音频输出：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="69"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="70"/>
        <source>Hotkeys:</source>
        <translation>热键：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="71"/>
        <source>A new library folder or language takes effect the next time Timbrel starts.</source>
        <translation>新的音色库文件夹或语言在下次启动 Timbrel 时生效。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="81"/>
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
        <location filename="../views/speak.py" line="34"/>
        <source>Type what the voice should say…</source>
        <translation>输入要朗读的文字…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="38"/>
        <source>(voice default)</source>
        <translation>（音色默认）</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="43"/>
        <source>Voice:</source>
        <translation>音色：</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="44"/>
        <source>Emotion:</source>
        <translation>情绪：</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="45"/>
        <source>Speak</source>
        <translation>朗读</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="47"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="49"/>
        <source>Save as WAV…</source>
        <translation>另存为 WAV…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="57"/>
        <source>Speech synthesis is not available in this build yet.</source>
        <translation>此版本暂不支持语音合成。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="76"/>
        <source>Loading voices</source>
        <translation>正在加载音色</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="104"/>
        <source>Prefetching</source>
        <translation>正在预取</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="113"/>
        <location filename="../views/speak.py" line="186"/>
        <source>Choose a voice and type some text first.</source>
        <translation>请先选择音色并输入文字。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="119"/>
        <source>Speaking…</source>
        <translation>正在朗读…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="143"/>
        <source>Speaking</source>
        <translation>正在朗读</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="156"/>
        <source>Spoke %1 s.</source>
        <translation>已朗读 %1 秒。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="158"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="166"/>
        <source>Could not speak</source>
        <translation>无法朗读</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="179"/>
        <source>Save speech as WAV</source>
        <translation>将语音保存为 WAV</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="179"/>
        <source>WAV audio (*.wav)</source>
        <translation>WAV 音频 (*.wav)</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="216"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="217"/>
        <source>Saving WAV</source>
        <translation>正在保存 WAV</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="218"/>
        <source>Could not save the WAV file</source>
        <translation>无法保存 WAV 文件</translation>
    </message>
    <message>
        <location filename="../views/speak.py" line="221"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>VoiceModel</name>
    <message>
        <location filename="../views/library.py" line="28"/>
        <source>Voice</source>
        <translation>音色</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="28"/>
        <source>Clips</source>
        <translation>片段</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="28"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="28"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="28"/>
        <source>Cluster</source>
        <translation>簇</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="29"/>
        <source>Emotions</source>
        <translation>情绪</translation>
    </message>
    <message>
        <location filename="../views/library.py" line="68"/>
        <source>Has: %1
Missing: %2</source>
        <translation>已有：%1
缺少：%2</translation>
    </message>
</context>
</TS>
