"""Data tables the GPT-SoVITS v2 weights depend on (reproduced exactly from upstream data).

* ``SYMBOLS_V2``: the 732 phone symbols in upstream order (``text/symbols2.py``: sorted base set,
  then ``[`` ``]``, then sorted Korean jamo, then sorted Cantonese). The index is the phone id.
* ``PINYIN_TO_PHONES``: pinyin syllable (no tone) → "initial final" phone pair (upstream ``opencpop-strict.txt``).
* ``MUST_NEUTRAL_TONE_WORDS`` / ``MUST_NOT_NEUTRAL_TONE_WORDS``: the tone-sandhi word lists (upstream ``tone_sandhi.py``).

Stored as whitespace-separated strings to keep the file small; parsed once at import.
"""

from __future__ import annotations

_SYMBOLS = """
    ! , - . ? AA AA0 AA1 AA2 AE0 AE1 AE2 AH0 AH1 AH2 AO0
    AO1 AO2 AW0 AW1 AW2 AY0 AY1 AY2 B CH D DH E1 E2 E3 E4
    E5 EE EH0 EH1 EH2 ER ER0 ER1 ER2 EY0 EY1 EY2 En1 En2 En3 En4
    En5 F G HH I IH IH0 IH1 IH2 IY0 IY1 IY2 JH K L M
    N NG OO OW0 OW1 OW2 OY0 OY1 OY2 P R S SH SP SP2 SP3
    T TH U UH0 UH1 UH2 UNK UW0 UW1 UW2 V W Y Z ZH _
    a a1 a2 a3 a4 a5 ai1 ai2 ai3 ai4 ai5 an1 an2 an3 an4 an5
    ang1 ang2 ang3 ang4 ang5 ao1 ao2 ao3 ao4 ao5 b by c ch cl d
    dy e e1 e2 e3 e4 e5 ei1 ei2 ei3 ei4 ei5 en1 en2 en3 en4
    en5 eng1 eng2 eng3 eng4 eng5 er1 er2 er3 er4 er5 f g gy h hy
    i i01 i02 i03 i04 i05 i1 i2 i3 i4 i5 ia1 ia2 ia3 ia4 ia5
    ian1 ian2 ian3 ian4 ian5 iang1 iang2 iang3 iang4 iang5 iao1 iao2 iao3 iao4 iao5 ie1
    ie2 ie3 ie4 ie5 in1 in2 in3 in4 in5 ing1 ing2 ing3 ing4 ing5 iong1 iong2
    iong3 iong4 iong5 ir1 ir2 ir3 ir4 ir5 iu1 iu2 iu3 iu4 iu5 j k ky
    l m my n ny o o1 o2 o3 o4 o5 ong1 ong2 ong3 ong4 ong5
    ou1 ou2 ou3 ou4 ou5 p py q r ry s sh t ts u u1
    u2 u3 u4 u5 ua1 ua2 ua3 ua4 ua5 uai1 uai2 uai3 uai4 uai5 uan1 uan2
    uan3 uan4 uan5 uang1 uang2 uang3 uang4 uang5 ui1 ui2 ui3 ui4 ui5 un1 un2 un3
    un4 un5 uo1 uo2 uo3 uo4 uo5 v v1 v2 v3 v4 v5 van1 van2 van3
    van4 van5 ve1 ve2 ve3 ve4 ve5 vn1 vn2 vn3 vn4 vn5 w x y z
    zh … [ ] ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ
    ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ ㅏ ㅐ ㅓ ㅔ ㅗ ㅜ ㅡ ㅣ 停
    空 Ya Ya1 Ya2 Ya3 Ya4 Ya5 Ya6 Yaa Yaa1 Yaa2 Yaa3 Yaa4 Yaa5 Yaa6 Yaai1
    Yaai2 Yaai3 Yaai4 Yaai5 Yaai6 Yaak1 Yaak2 Yaak3 Yaak4 Yaak5 Yaak6 Yaam1 Yaam2 Yaam3 Yaam4 Yaam5
    Yaam6 Yaan1 Yaan2 Yaan3 Yaan4 Yaan5 Yaan6 Yaang1 Yaang2 Yaang3 Yaang4 Yaang5 Yaang6 Yaap1 Yaap2 Yaap3
    Yaap4 Yaap5 Yaap6 Yaat1 Yaat2 Yaat3 Yaat4 Yaat5 Yaat6 Yaau1 Yaau2 Yaau3 Yaau4 Yaau5 Yaau6 Yai
    Yai1 Yai2 Yai3 Yai4 Yai5 Yai6 Yak Yak1 Yak2 Yak3 Yak4 Yak5 Yak6 Yam1 Yam2 Yam3
    Yam4 Yam5 Yam6 Yan1 Yan2 Yan3 Yan4 Yan5 Yan6 Yang1 Yang2 Yang3 Yang4 Yang5 Yang6 Yap1
    Yap2 Yap3 Yap4 Yap5 Yap6 Yat1 Yat2 Yat3 Yat4 Yat5 Yat6 Yau Yau1 Yau2 Yau3 Yau4
    Yau5 Yau6 Yb Yc Yd Ye Ye1 Ye2 Ye3 Ye4 Ye5 Ye6 Yei1 Yei2 Yei3 Yei4
    Yei5 Yei6 Yek1 Yek2 Yek3 Yek4 Yek5 Yek6 Yeng1 Yeng2 Yeng3 Yeng4 Yeng5 Yeng6 Yeoi1 Yeoi2
    Yeoi3 Yeoi4 Yeoi5 Yeoi6 Yeon1 Yeon2 Yeon3 Yeon4 Yeon5 Yeon6 Yeot1 Yeot2 Yeot3 Yeot4 Yeot5 Yeot6
    Yf Yg Yg1 Yg2 Yg3 Yg4 Yg5 Yg6 Ygw Yh Yi1 Yi2 Yi3 Yi4 Yi5 Yi6
    Yik1 Yik2 Yik3 Yik4 Yik5 Yik6 Yim1 Yim2 Yim3 Yim4 Yim5 Yim6 Yin1 Yin2 Yin3 Yin4
    Yin5 Yin6 Ying1 Ying2 Ying3 Ying4 Ying5 Ying6 Yip1 Yip2 Yip3 Yip4 Yip5 Yip6 Yit1 Yit2
    Yit3 Yit4 Yit5 Yit6 Yiu1 Yiu2 Yiu3 Yiu4 Yiu5 Yiu6 Yj Yk Yk1 Yk2 Yk3 Yk4
    Yk5 Yk6 Ykw Yl Ym Ym1 Ym2 Ym3 Ym4 Ym5 Ym6 Yn Yn1 Yn2 Yn3 Yn4
    Yn5 Yn6 Yng Yo Yo1 Yo2 Yo3 Yo4 Yo5 Yo6 Yoe1 Yoe2 Yoe3 Yoe4 Yoe5 Yoe6
    Yoek1 Yoek2 Yoek3 Yoek4 Yoek5 Yoek6 Yoeng1 Yoeng2 Yoeng3 Yoeng4 Yoeng5 Yoeng6 Yoi Yoi1 Yoi2 Yoi3
    Yoi4 Yoi5 Yoi6 Yok Yok1 Yok2 Yok3 Yok4 Yok5 Yok6 Yon Yon1 Yon2 Yon3 Yon4 Yon5
    Yon6 Yong1 Yong2 Yong3 Yong4 Yong5 Yong6 Yot1 Yot2 Yot3 Yot4 Yot5 Yot6 You You1 You2
    You3 You4 You5 You6 Yp Yp1 Yp2 Yp3 Yp4 Yp5 Yp6 Ys Yt Yt1 Yt2 Yt3
    Yt4 Yt5 Yt6 Yu1 Yu2 Yu3 Yu4 Yu5 Yu6 Yui1 Yui2 Yui3 Yui4 Yui5 Yui6 Yuk
    Yuk1 Yuk2 Yuk3 Yuk4 Yuk5 Yuk6 Yun1 Yun2 Yun3 Yun4 Yun5 Yun6 Yung1 Yung2 Yung3 Yung4
    Yung5 Yung6 Yut1 Yut2 Yut3 Yut4 Yut5 Yut6 Yw Yyu1 Yyu2 Yyu3 Yyu4 Yyu5 Yyu6 Yyun1
    Yyun2 Yyun3 Yyun4 Yyun5 Yyun6 Yyut1 Yyut2 Yyut3 Yyut4 Yyut5 Yyut6 Yz
"""

_PINYIN = """
a AA a
ai AA ai
an AA an
ang AA ang
ao AA ao
ba b a
bai b ai
ban b an
bang b ang
bao b ao
bei b ei
ben b en
beng b eng
bi b i
bian b ian
biao b iao
bie b ie
bin b in
bing b ing
bo b o
bu b u
ca c a
cai c ai
can c an
cang c ang
cao c ao
ce c e
cei c ei
cen c en
ceng c eng
cha ch a
chai ch ai
chan ch an
chang ch ang
chao ch ao
che ch e
chen ch en
cheng ch eng
chi ch ir
chong ch ong
chou ch ou
chu ch u
chua ch ua
chuai ch uai
chuan ch uan
chuang ch uang
chui ch ui
chun ch un
chuo ch uo
ci c i0
cong c ong
cou c ou
cu c u
cuan c uan
cui c ui
cun c un
cuo c uo
da d a
dai d ai
dan d an
dang d ang
dao d ao
de d e
dei d ei
den d en
deng d eng
di d i
dia d ia
dian d ian
diao d iao
die d ie
ding d ing
diu d iu
dong d ong
dou d ou
du d u
duan d uan
dui d ui
dun d un
duo d uo
e EE e
ei EE ei
en EE en
eng EE eng
er EE er
fa f a
fan f an
fang f ang
fei f ei
fen f en
feng f eng
fo f o
fou f ou
fu f u
ga g a
gai g ai
gan g an
gang g ang
gao g ao
ge g e
gei g ei
gen g en
geng g eng
gong g ong
gou g ou
gu g u
gua g ua
guai g uai
guan g uan
guang g uang
gui g ui
gun g un
guo g uo
ha h a
hai h ai
han h an
hang h ang
hao h ao
he h e
hei h ei
hen h en
heng h eng
hong h ong
hou h ou
hu h u
hua h ua
huai h uai
huan h uan
huang h uang
hui h ui
hun h un
huo h uo
ji j i
jia j ia
jian j ian
jiang j iang
jiao j iao
jie j ie
jin j in
jing j ing
jiong j iong
jiu j iu
ju j v
jv j v
juan j van
jvan j van
jue j ve
jve j ve
jun j vn
jvn j vn
ka k a
kai k ai
kan k an
kang k ang
kao k ao
ke k e
kei k ei
ken k en
keng k eng
kong k ong
kou k ou
ku k u
kua k ua
kuai k uai
kuan k uan
kuang k uang
kui k ui
kun k un
kuo k uo
la l a
lai l ai
lan l an
lang l ang
lao l ao
le l e
lei l ei
leng l eng
li l i
lia l ia
lian l ian
liang l iang
liao l iao
lie l ie
lin l in
ling l ing
liu l iu
lo l o
long l ong
lou l ou
lu l u
luan l uan
lun l un
luo l uo
lv l v
lve l ve
ma m a
mai m ai
man m an
mang m ang
mao m ao
me m e
mei m ei
men m en
meng m eng
mi m i
mian m ian
miao m iao
mie m ie
min m in
ming m ing
miu m iu
mo m o
mou m ou
mu m u
na n a
nai n ai
nan n an
nang n ang
nao n ao
ne n e
nei n ei
nen n en
neng n eng
ni n i
nian n ian
niang n iang
niao n iao
nie n ie
nin n in
ning n ing
niu n iu
nong n ong
nou n ou
nu n u
nuan n uan
nun n un
nuo n uo
nv n v
nve n ve
o OO o
ou OO ou
pa p a
pai p ai
pan p an
pang p ang
pao p ao
pei p ei
pen p en
peng p eng
pi p i
pian p ian
piao p iao
pie p ie
pin p in
ping p ing
po p o
pou p ou
pu p u
qi q i
qia q ia
qian q ian
qiang q iang
qiao q iao
qie q ie
qin q in
qing q ing
qiong q iong
qiu q iu
qu q v
qv q v
quan q van
qvan q van
que q ve
qve q ve
qun q vn
qvn q vn
ran r an
rang r ang
rao r ao
re r e
ren r en
reng r eng
ri r ir
rong r ong
rou r ou
ru r u
rua r ua
ruan r uan
rui r ui
run r un
ruo r uo
sa s a
sai s ai
san s an
sang s ang
sao s ao
se s e
sen s en
seng s eng
sha sh a
shai sh ai
shan sh an
shang sh ang
shao sh ao
she sh e
shei sh ei
shen sh en
sheng sh eng
shi sh ir
shou sh ou
shu sh u
shua sh ua
shuai sh uai
shuan sh uan
shuang sh uang
shui sh ui
shun sh un
shuo sh uo
si s i0
song s ong
sou s ou
su s u
suan s uan
sui s ui
sun s un
suo s uo
ta t a
tai t ai
tan t an
tang t ang
tao t ao
te t e
tei t ei
teng t eng
ti t i
tian t ian
tiao t iao
tie t ie
ting t ing
tong t ong
tou t ou
tu t u
tuan t uan
tui t ui
tun t un
tuo t uo
wa w a
wai w ai
wan w an
wang w ang
wei w ei
wen w en
weng w eng
wo w o
wu w u
xi x i
xia x ia
xian x ian
xiang x iang
xiao x iao
xie x ie
xin x in
xing x ing
xiong x iong
xiu x iu
xu x v
xv x v
xuan x van
xvan x van
xue x ve
xve x ve
xun x vn
xvn x vn
ya y a
yan y En
yang y ang
yao y ao
ye y E
yi y i
yin y in
ying y ing
yo y o
yong y ong
you y ou
yu y v
yv y v
yuan y van
yvan y van
yue y ve
yve y ve
yun y vn
yvn y vn
za z a
zai z ai
zan z an
zang z ang
zao z ao
ze z e
zei z ei
zen z en
zeng z eng
zha zh a
zhai zh ai
zhan zh an
zhang zh ang
zhao zh ao
zhe zh e
zhei zh ei
zhen zh en
zheng zh eng
zhi zh ir
zhong zh ong
zhou zh ou
zhu zh u
zhua zh ua
zhuai zh uai
zhuan zh uan
zhuang zh uang
zhui zh ui
zhun zh un
zhuo zh uo
zi z i0
zong z ong
zou z ou
zu z u
zuan z uan
zui z ui
zun z un
zuo z uo
"""

_MUST_NEUTRAL = """
    麻烦 麻利 鸳鸯 高粱 骨头 骆驼 马虎 首饰 馒头 馄饨 风筝 难为 队伍 阔气 闺女 门道 锄头 铺盖 铃铛 铁匠
    钥匙 里脊 里头 部分 那么 道士 造化 迷糊 连累 这么 这个 运气 过去 软和 转悠 踏实 跳蚤 跟头 趔趄 财主
    豆腐 讲究 记性 记号 认识 规矩 见识 裁缝 补丁 衣裳 衣服 衙门 街坊 行李 行当 蛤蟆 蘑菇 薄荷 葫芦 葡萄
    萝卜 荸荠 苗条 苗头 苍蝇 芝麻 舒服 舒坦 舌头 自在 膏药 脾气 脑袋 脊梁 能耐 胳膊 胭脂 胡萝 胡琴 胡同
    聪明 耽误 耽搁 耷拉 耳朵 老爷 老实 老婆 老头 老太 翻腾 罗嗦 罐头 编辑 结实 红火 累赘 糨糊 糊涂 精神
    粮食 簸箕 篱笆 算计 算盘 答应 笤帚 笑语 笑话 窟窿 窝囊 窗户 稳当 稀罕 称呼 秧歌 秀气 秀才 福气 祖宗
    砚台 码头 石榴 石头 石匠 知识 眼睛 眯缝 眨巴 眉毛 相声 盘算 白净 痢疾 痛快 疟疾 疙瘩 疏忽 畜生 生意
    甘蔗 琵琶 琢磨 琉璃 玻璃 玫瑰 玄乎 狐狸 状元 特务 牲口 牙碜 牌楼 爽快 爱人 热闹 烧饼 烟筒 烂糊 点心
    炊帚 灯笼 火候 漂亮 滑溜 溜达 温和 清楚 消息 浪头 活泼 比方 正经 欺负 模糊 槟榔 棺材 棒槌 棉花 核桃
    栅栏 柴火 架势 枕头 枇杷 机灵 本事 木头 木匠 朋友 月饼 月亮 暖和 明白 时候 新鲜 故事 收拾 收成 提防
    挖苦 挑剔 指甲 指头 拾掇 拳头 拨弄 招牌 招呼 抬举 护士 折腾 扫帚 打量 打算 打点 打扮 打听 打发 扎实
    扁担 戒指 懒得 意识 意思 情形 悟性 怪物 思量 怎么 念头 念叨 快活 忙活 志气 心思 得罪 张罗 弟兄 开通
    应酬 庄稼 干事 帮手 帐篷 希罕 师父 师傅 巴结 巴掌 差事 工夫 岁数 屁股 尾巴 少爷 小气 小伙 将就 对头
    对付 寡妇 家伙 客气 实在 官司 学问 学生 字号 嫁妆 媳妇 媒人 婆家 娘家 委屈 姑娘 姐夫 妯娌 妥当 妖精
    奴才 女婿 头发 太阳 大爷 大方 大意 大夫 多少 多么 外甥 壮实 地道 地方 在乎 困难 嘴巴 嘱咐 嘟囔 嘀咕
    喜欢 喇嘛 喇叭 商量 唾沫 哑巴 哈欠 哆嗦 咳嗽 和尚 告诉 告示 含糊 吓唬 后头 名字 名堂 合同 吆喝 叫唤
    口袋 厚道 厉害 千斤 包袱 包涵 匀称 勤快 动静 动弹 功夫 力气 前头 刺猬 刺激 别扭 利落 利索 利害 分析
    出息 凑合 凉快 冷战 冤枉 冒失 养活 关系 先生 兄弟 便宜 使唤 佩服 作坊 体面 位置 似的 伙计 休息 什么
    人家 亲戚 亲家 交情 云彩 事情 买卖 主意 丫头 丧气 两口 东西 东家 世故 不由 不在 下水 下巴 上头 上司
    丈夫 丈人 一辈 那个 菩萨 父亲 母亲 咕噜 邋遢 费用 冤家 甜头 介绍 荒唐 大人 泥鳅 幸福 熟悉 计划 扑腾
    蜡烛 姥爷 照顾 喉咙 吉他 弄堂 蚂蚱 凤凰 拖沓 寒碜 糟蹋 倒腾 报复 逻辑 盘缠 喽啰 牢骚 咖喱 扫把 惦记
"""

_MUST_NOT_NEUTRAL = """
    男子 女子 分子 原子 量子 莲子 石子 瓜子 电子 人人 虎虎 幺幺 干嘛 学子 哈哈 数数 袅袅 局地 以下 娃哈哈
    花花草草 留得 耕地 想想 熙熙 攘攘 卵子 死死 冉冉 恳恳 佼佼 吵吵 打打 考考 整整 莘莘 落地 算子 家家户户 青青
"""


SYMBOLS_V2: tuple[str, ...] = tuple(_SYMBOLS.split())
SYMBOL_TO_ID: dict[str, int] = {s: i for i, s in enumerate(SYMBOLS_V2)}
PINYIN_TO_PHONES: dict[str, tuple[str, str]] = {
    parts[0]: (parts[1], parts[2]) for parts in (line.split() for line in _PINYIN.strip().splitlines())
}
MUST_NEUTRAL_TONE_WORDS: frozenset[str] = frozenset(_MUST_NEUTRAL.split())
MUST_NOT_NEUTRAL_TONE_WORDS: frozenset[str] = frozenset(_MUST_NOT_NEUTRAL.split())
