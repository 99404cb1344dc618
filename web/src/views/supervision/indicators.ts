// The scorecard's indicators as the README defines them (domain/scorecard.go), in Chinese: what
// each value divides by what. The weights sum to 100.
export const indicatorDefinitions: { code: string; name: string; weight: number; definition: string }[] = [
  { code: 'certified_share', name: '持证执法率', weight: 15, definition: '期末持有效执法证的在岗人员数 ÷ 在岗执法人员数' },
  { code: 'training', name: '培训学时达标率', weight: 10, definition: '期末所在年度在岗人员平均培训学时 ÷ 60 学时计划，最高为 1' },
  { code: 'decided_in_time', name: '按期决定率', weight: 15, definition: '期内普通程序决定中按期作出的件数 ÷ 期内普通程序决定件数' },
  { code: 'legal_review', name: '法制审核率', weight: 10, definition: '期内须法制审核且审核通过的决定件数 ÷ 期内须法制审核的决定件数' },
  { code: 'two_documents', name: '两书同达率', weight: 10, definition: '期内送达的处罚决定中同时制作决定书和信用修复告知书的件数 ÷ 期内送达的处罚决定件数' },
  { code: 'review_score', name: '案卷评查得分率', weight: 10, definition: '期内开始的评查中该主体已评案卷的平均分 ÷ 100' },
  { code: 'satisfaction', name: '评价满意率', weight: 10, definition: '期内 4 星、5 星评价数 ÷ 期内评价数' },
  { code: 'complaints', name: '投诉率', weight: 5, definition: '1 −（期内每百次计划检查的投诉件数）÷ 10，最低为 0' },
  { code: 'rectification', name: '按期整改率', weight: 10, definition: '期内到期问题中按期整改完毕的件数 ÷ 期内到期问题件数' },
  { code: 'orders_on_time', name: '督办按期办复率', weight: 5, definition: '期内到期督办中最近一次答复按期的件数 ÷ 期内到期督办件数' },
];
